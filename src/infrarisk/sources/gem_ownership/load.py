"""Load ``datasets/gem-ownership`` into ``raw_gemownership__*`` and ``core_gemownership__parent_hq``.

Contract: every row of ``parent_hq_country.csv`` is copied to ``raw_gemownership__parent_hq``; the
typed table ``core_gemownership__parent_hq`` has one row per (parent name, country) with the
country corrected where ``corrections/country_corrections.csv`` says GEM got it wrong
(``corrected_from_code`` and ``correction_reason`` keep what changed and why). An unknown country
code rejects the row (file, row, reason); a correction that matches no pair is an error.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ... import db
from ...problems import ERROR, ProblemLog
from ...settings import Settings
from ...validate import check_country, parse_partial_date
from ...collector import paused
from .._load import frame, raw_copy, read_rows
from ..manifest import verify
from . import SOURCE_ID
from .derive import OUT_COLUMNS

PREFIX = "gemownership"
CORRECTION_COLS = ["parent_name", "gem_country_code", "country_code", "source_url", "source_date", "reason"]
T_PAIRS = ["parent_name", "country_code", "gem_country_code", "parent_hq_country", "n_asset_rows", "trackers",
           "example_wiki_url", "has_several_countries", "corrected_from_code", "correction_reason",
           "correction_source_url", "origin_row"]


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Check and load the pairs (empty tables when the folder is absent)."""
    folder = Path(settings.datasets_dir) / SOURCE_ID
    pairs: list[dict] = []
    if (folder / "manifest.toml").exists():
        verify(folder)
        raw_copy(con, folder, "parent_hq_country.csv", f"raw_{PREFIX}__parent_hq")
        countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        fixes = _corrections(folder, log, countries)
        pairs = _pairs(folder, log, countries, fixes)
    db.write_frame(con, f"core_{PREFIX}__parent_hq", frame(pairs, T_PAIRS), order_by=["parent_name", "country_code"])


def _corrections(folder: Path, log: ProblemLog, countries: set[str]) -> dict[tuple[str, str], dict]:
    rel = "corrections/country_corrections.csv"
    f = f"{SOURCE_ID}/{rel}"
    if not (folder / rel).exists():
        return {}
    rows = read_rows(folder / rel, CORRECTION_COLS)
    out = {}
    for i, r in enumerate(rows, start=1):
        errs = []
        try:
            new = check_country(r["country_code"], countries)
        except ValueError as e:
            errs.append(("country_code", "country_code", str(e)))
        try:
            when, _ = parse_partial_date(r["source_date"])
        except ValueError as e:
            errs.append(("source_date", "date", str(e)))
            when = None
        if not r["source_url"].startswith(("http://", "https://")) or when is None or not r["reason"].strip():
            errs.append(("source_url", "source_required", "a correction needs a source URL, its date and a reason"))
        if errs:
            for col, check, reason in errs:
                log.add(f, i, col, check, ERROR, f"{reason}; correction not applied", r.get(col))
            continue
        out[(r["parent_name"], r["gem_country_code"].strip().upper())] = dict(r, row=i, country_code=new)
    log.count(f, len(rows), len(out))
    return out


def _pairs(folder: Path, log: ProblemLog, countries: set[str], fixes: dict) -> list[dict]:
    f = f"{SOURCE_ID}/parent_hq_country.csv"
    rows = read_rows(folder / "parent_hq_country.csv", OUT_COLUMNS)
    out, used = [], set()
    for i, r in enumerate(rows, start=1):
        try:
            code = check_country(r["country_code"], countries)
        except ValueError as e:
            log.add(f, i, "country_code", "country_code", ERROR, f"{e}; row rejected", r["country_code"])
            continue
        if not r["parent_name"].strip() or code is None:
            log.add(f, i, "parent_name", "required", ERROR, "a pair needs a name and a country; row rejected",
                    r["parent_name"])
            continue
        fix = fixes.get((r["parent_name"], code))
        if fix:
            used.add((r["parent_name"], code))
        out.append({"parent_name": r["parent_name"].strip(), "country_code": fix["country_code"] if fix else code,
                    "gem_country_code": code, "parent_hq_country": r["parent_hq_country"],
                    "n_asset_rows": int(r["n_asset_rows"] or 0), "trackers": r["trackers"],
                    "example_wiki_url": r["example_wiki_url"],
                    "has_several_countries": r["has_several_countries"].strip().lower() == "true",
                    "corrected_from_code": code if fix else None, "correction_reason": fix["reason"] if fix else None,
                    "correction_source_url": fix["source_url"] if fix else None, "origin_row": i})
    for key, fix in sorted(fixes.items()):
        if key not in used:
            log.add(f"{SOURCE_ID}/corrections/country_corrections.csv", fix["row"], "parent_name", "unknown_entity",
                    ERROR, "the correction names no pair of parent_hq_country.csv", fix["parent_name"])
    log.count(f, len(rows), len(out))
    return out
