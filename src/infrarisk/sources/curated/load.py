"""Load the curated source (``datasets/curated``) into ``raw_curated__*`` and ``core_curated__*``.

Inputs: ``entities.csv``, ``asset_stakes.csv``, ``telecom_stakes.csv``, ``parent_links.csv``,
``asset_locations.csv``, ``transactions.csv`` and the hand-written ``corrections/*.csv``
(link additions, control statements, stake ranges, entity overrides), each checked value by
value (:mod:`.rows`, :mod:`.stakes`); the country codes of ``core_geo__countries``.

Outputs (this source's tables only; the integrate stage joins them with the other sources):

- ``raw_curated__<file>`` (``raw_curated__corrections_<name>`` for the corrections): every
  input row as read (text), with its row number;
- ``core_curated__entities`` (overrides applied), ``core_curated__stakes`` (port stakes, with
  the bounds of ``corrections/stake_ranges.csv``), ``core_curated__telecom_stakes``,
  ``core_curated__parent_links`` (with the link additions), ``core_curated__asset_locations``,
  ``core_curated__control_statements``, ``core_curated__transactions``: typed, keyed,
  accepted rows.

Rejected rows are recorded in the problem log with file, row and reason;
``rows_in = rows_loaded + rows_rejected`` per file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from ... import db
from ...problems import ProblemLog
from ...settings import Settings
from ...collector import paused
from .._load import frame, raw_copy, read_rows, verify
from . import SOURCE_ID
from .rechecks import (ENTITY_ADD_COLS, RECHECK_COLS, STAKE_ADD_COLS, apply_rechecks, entity_additions,
                       evidence_table, stake_additions)
from .rows import T_ENTITY, T_LINK, T_STAKE, Ctx, entities, locations
from .stakes import ADDITION_COLS, LINK_COLS, STAKE_COLS, control_statements, parent_links, stake_ranges, stakes

FILES = ("entities", "asset_stakes", "telecom_stakes", "parent_links", "asset_locations", "transactions")
OVERRIDE_COLS = ["entity_name", "field", "value", "source_url", "reason"]
TRANSACTION_COLS = ["transaction_id", "transaction", "assets_affected", "buyer", "seller", "stake_pct", "status",
                    "status_date", "source_url", "source_title", "note"]
#: what a re-check adds to a transaction (``corrections/rechecks.csv``)
TX_RECHECK_COLS = ["status_rechecked", "effective_date", "evidence_date", "evidence_url", "recheck_result",
                   "recheck_reason", "recheck_file", "recheck_row"]


def raw_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """``raw_curated__*``: a faithful copy of every file of the folder."""
    for name in FILES:
        raw_copy(con, folder, f"{name}.csv", f"raw_{SOURCE_ID}__{name}")
    for p in sorted((folder / "corrections").glob("*.csv")):
        raw_copy(con, folder, f"corrections/{p.name}", f"raw_{SOURCE_ID}__corrections_{p.stem}")


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Load ``datasets/curated`` into ``raw_curated__*`` and ``core_curated__*`` (module docstring)."""
    folder = settings.datasets_dir / SOURCE_ID
    verify(folder)
    countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
    ctx = Ctx(folder, log, countries)
    raw_tables(con, folder)

    entities(ctx, read_rows(folder / "corrections/entity_overrides.csv", OVERRIDE_COLS))
    entity_additions(ctx, _corrections(folder, "entity_additions", ENTITY_ADD_COLS))
    ents = frame(list(ctx.entities.values()), T_ENTITY)
    frames = {name: stakes(ctx, name) for name in ("asset_stakes.csv", "telecom_stakes.csv")}
    added = stake_additions(ctx, _corrections(folder, "stake_additions", STAKE_ADD_COLS), frames)
    by_file = {k: _records(df) + added[k] for k, df in frames.items()}
    seen: set[str] = set()
    links = parent_links(ctx, read_rows(folder / "parent_links.csv", LINK_COLS), ctx.rel("parent_links.csv"), seen)
    links += parent_links(ctx, read_rows(folder / "corrections/link_additions.csv", ADDITION_COLS),
                          ctx.rel("corrections/link_additions.csv"), seen)
    tx = read_rows(folder / "transactions.csv", TRANSACTION_COLS)
    log.count(ctx.rel("transactions.csv"), len(tx), len(tx))
    apply_rechecks(ctx, _corrections(folder, "rechecks", RECHECK_COLS), by_file, links, tx)
    evidence = evidence_table(by_file["asset_stakes.csv"] + by_file["telecom_stakes.csv"], links)
    port, telecom = (frame(by_file[k], T_STAKE) for k in ("asset_stakes.csv", "telecom_stakes.csv"))
    names = {"asset_stakes": set(port["asset_name"]),
             "telecom_stakes": {r["asset_name"] for r in read_rows(folder / "telecom_stakes.csv", STAKE_COLS)}}
    positions = locations(ctx, names)
    control = control_statements(ctx, port, links)
    ranges = stake_ranges(ctx, port, links)
    port = port.merge(ranges, on=["asset_name", "owner_entity_id"], how="left")

    p = f"core_{SOURCE_ID}__"
    db.write_frame(con, p + "entities", ents, order_by=["entity_id"])
    db.write_frame(con, p + "stakes", port, order_by=["stake_id"])
    db.write_frame(con, p + "telecom_stakes", telecom, order_by=["stake_id"])
    db.write_frame(con, p + "parent_links", frame(links, T_LINK), order_by=["link_id"])
    db.write_frame(con, p + "asset_locations", positions, order_by=["source_file", "asset_name"])
    db.write_frame(con, p + "control_statements", control,
                   order_by=["subject_kind", "subject_key", "controller_entity_id"])
    db.write_frame(con, p + "transactions", frame(tx, TRANSACTION_COLS + TX_RECHECK_COLS), order_by=["transaction_id"])
    db.write_frame(con, p + "evidence", evidence, order_by=["link_id"])


def _corrections(folder: Path, name: str, cols: list[str]) -> list[dict]:
    """Rows of ``corrections/<name>.csv`` (none when the folder has no such file)."""
    path = folder / "corrections" / f"{name}.csv"
    return read_rows(path, cols) if path.exists() else []


def _records(df) -> list[dict]:
    """Typed rows of a stake frame as dicts (missing values as None; numpy scalars as Python's,
    as ``DataFrame.to_dict("records")`` gives them), built column by column."""
    cols = list(df.columns)
    values = []
    for c in cols:
        s = df[c]
        col = s.astype(object).where(s.notna(), None).tolist()
        if any(issubclass(t, np.generic) for t in set(map(type, col))):  # each type once, not each value
            col = [v.item() if isinstance(v, np.generic) else v for v in col]
        values.append(col)
    return [dict(zip(cols, row)) for row in zip(*values)]
