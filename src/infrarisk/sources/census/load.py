"""Load ``datasets/census`` into ``raw_census__*`` and ``core_census__*``.

Contract: every file is copied to ``raw_census__<file>``; the typed tables are
``core_census__ports``, ``core_census__terminals`` (with ``no_foreign_stake_*``: the sourced
statement that the terminal is held with no foreign stake, where a stake row makes one),
``core_census__stakes``, ``core_census__holders`` and ``core_census__published``. The row checks
are in :mod:`.checks`; rejected rows are counted per file and listed with file, row and reason.
An absent folder writes the tables empty.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ... import db
from ...problems import ProblemLog
from ...settings import Settings
from ...collector import paused
from .._load import frame, raw_copy, read_rows
from ..manifest import verify
from . import SOURCE_ID, checks
from .derive import HOLDER_COLUMNS, ORIGIN, PORT_COLUMNS, PUBLISHED_COLUMNS, STAKE_COLUMNS, TERMINAL_COLUMNS

PREFIX = "census"
FILES = ("ports", "terminals", "stakes", "holders", "published_investments")
_PROV = ["origin_file", "origin_row", "worksheet", "worksheet_row", "supersedes"]
T_PORTS = ["rank", "port", "country_code", "unlocode", "teu", "teu_year", "source_url", "source_date", "note", *_PROV]
T_TERMINALS = ["terminal_id", "port", "unlocode", "name", "excluded_reason", "smdg_code", "operator_name", "latitude", "longitude",
               "position_source_url", "source_url", "source_date", "note", "no_foreign_stake_statement",
               "no_foreign_stake_source_url", "no_foreign_stake_source_date", *_PROV]
T_STAKES = ["stake_id", "terminal_id", "terminal", "unlocode", "holder", "share_fraction", "stake_pct_as_written",
            "stake_kind", "interest_type", "is_control_kind", "status", "as_of_date", "as_of_precision", "source_url",
            "source_date", "note", "cited_stake_ids", "states_no_foreign_stake", *_PROV]
T_HOLDERS = ["holder", "country_code", "parent", "parent_share_fraction", "source_url", "source_date", "note", *_PROV]
T_PUBLISHED = ["publication", "publication_url", "publication_date", "port", "country_code", "terminal_or_asset",
               "investor", "stake_as_published", "year_as_published", "note", "match_stake_ids", "explanation", *_PROV]
_DATES = ("source_date", "publication_date", "no_foreign_stake_source_date")


def _typed(rows: list[dict], cols: list[str]):
    df = frame(rows, cols)
    for c in _DATES:
        if c in df.columns:
            df[c] = df[c].astype("datetime64[s]") if not df.empty else df[c]
    return df


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Check and load the census (empty tables when the folder is absent)."""
    folder = Path(settings.datasets_dir) / SOURCE_ID
    ports = terminals = stakes = holders = published = []
    if (folder / "manifest.toml").exists():
        verify(folder)
        for name in FILES:
            raw_copy(con, folder, f"{name}.csv", f"raw_{PREFIX}__{name}")
        countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        ctx = checks.Ctx(log, countries)
        read = lambda name, cols: read_rows(folder / f"{name}.csv", cols)  # noqa: E731
        ports = checks.ports(ctx, read("ports", PORT_COLUMNS + ORIGIN))
        terminals = checks.terminals(ctx, read("terminals", ["terminal_id"] + TERMINAL_COLUMNS + ORIGIN))
        stakes = checks.stakes(ctx, read("stakes", ["stake_id"] + STAKE_COLUMNS + ORIGIN),
                               {(t["unlocode"], t["name"]): t["terminal_id"] for t in terminals})
        holders = checks.holders(ctx, read("holders", HOLDER_COLUMNS + ORIGIN), {s["holder"] for s in stakes})
        published = checks.published(ctx, read("published_investments", PUBLISHED_COLUMNS + ORIGIN))
        _statements(terminals, stakes)
    p = f"core_{PREFIX}__"
    db.write_frame(con, p + "ports", _typed(ports, T_PORTS), order_by=["rank", "unlocode"])
    db.write_frame(con, p + "terminals", _typed(terminals, T_TERMINALS), order_by=["terminal_id"])
    db.write_frame(con, p + "stakes", _typed(stakes, T_STAKES), order_by=["stake_id"])
    db.write_frame(con, p + "holders", _typed(holders, T_HOLDERS), order_by=["origin_row"])
    db.write_frame(con, p + "published", _typed(published, T_PUBLISHED), order_by=["origin_row"])


def _statements(terminals: list[dict], stakes: list[dict]) -> None:
    """Attach to each terminal the first current stake row that states it is held with no foreign stake."""
    first: dict[str, dict] = {}
    for s in sorted(stakes, key=lambda s: s["origin_row"]):
        if s["states_no_foreign_stake"] and s["status"] == "current":
            first.setdefault(s["terminal_id"], s)
    for t in terminals:
        s = first.get(t["terminal_id"])
        t["no_foreign_stake_statement"] = f"{s['holder']}: {s['note']}" if s else None
        t["no_foreign_stake_source_url"] = s["source_url"] if s else None
        t["no_foreign_stake_source_date"] = s["source_date"] if s else None
