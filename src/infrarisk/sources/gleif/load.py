"""Load the GLEIF legal names of ``datasets/gleif`` (the registry of entity matching).

Inputs: ``datasets/gleif/legal_names.csv`` (made by :mod:`infrarisk.sources.gleif.derive`:
``lei, legal_name, country, category, normalised_name``); the folder is optional — without
it the tables are empty and entity matching has no registry step.

Outputs (tables ``*_gleifnames__*``: the ``*_gleif__*`` names belong to the ingested golden
copy, which a build carries over from the previous database file):

- ``raw_gleifnames__legal_names``: the rows as read (text) with their row number;
- ``core_gleifnames__legal_names``: the checked records — ``lei``, ``legal_name``,
  ``country_code`` (legal address), ``category``, ``normalised_name`` (recomputed with
  today's :func:`infrarisk.match.normalise`), ``source_url`` (the record at GLEIF),
  ``origin_file``, ``origin_row``.

Problems: an LEI that is blank, malformed, fails its check digits or repeats (row rejected:
nothing merges on an empty or doubtful id); a blank legal name (row rejected); an unknown
country code (kept, country unknown); an unknown category (kept); a stored normalised name
that today's normaliser no longer gives (kept, the recomputed one is used; re-run the import).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ... import db, match
from .derive import CATEGORIES, COLUMNS
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from ...collector import paused
from .._load import raw_copy, read_rows, verify
from ...validate import check_country, parse_lei
from . import SOURCE_ID
FILE = "legal_names.csv"
CORE_COLS = ["lei", "legal_name", "country_code", "category", "normalised_name", "source_url", "origin_file",
             "origin_row"]
RECORD_URL = "https://search.gleif.org/#/record/{lei}"


def records(con: duckdb.DuckDBPyConnection) -> list[match.RegistryRecord]:
    """The checked records of ``core_gleifnames__legal_names`` (none when the table is absent)."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                       "'core_gleifnames__legal_names'").fetchone()[0]:
        return []
    return [match.RegistryRecord(lei, name, country or "", category or "", key, url, f, int(row))
            for lei, name, country, category, key, url, f, row in con.execute(
                f"SELECT {', '.join(CORE_COLS)} FROM core_gleifnames__legal_names ORDER BY lei").fetchall()]


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Verify and load ``datasets/gleif`` (module docstring)."""
    folder = settings.datasets_dir / SOURCE_ID
    rows_out: list[dict] = []
    if (folder / "manifest.toml").exists():
        verify(folder)
        raw_copy(con, folder, FILE, "raw_gleifnames__legal_names")
        countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        rows_out = _check(read_rows(folder / FILE, COLUMNS), countries, f"{SOURCE_ID}/{FILE}", log)
    df = pd.DataFrame(rows_out, columns=CORE_COLS).astype({"origin_row": "int64"})
    if df.empty:
        df = df.astype({c: "string" for c in CORE_COLS if c != "origin_row"})
    db.write_frame(con, "core_gleifnames__legal_names", df, order_by=["lei"])


def _check(rows: list[dict], countries: set[str], f: str, log: ProblemLog) -> list[dict]:
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        try:
            lei = parse_lei(r["lei"])
            if lei is None:
                raise ValueError("blank LEI")
        except ValueError as e:
            log.add(f, i, "lei", "lei_check_digits", ERROR, f"{e}; row rejected (nothing merges on a doubtful id)",
                    r["lei"])
            continue
        if lei in seen:
            log.add(f, i, "lei", "duplicate_id", ERROR, "a second row for the same LEI; row rejected", lei)
            continue
        name = r["legal_name"].strip()
        if not name:
            log.add(f, i, "legal_name", "required", ERROR, "blank legal name; row rejected")
            continue
        try:
            country = check_country(r["country"], countries)
        except ValueError as e:
            log.add(f, i, "country", "country_code", WARNING, f"{e}; country treated as unknown", r["country"])
            country = None
        if r["category"] not in CATEGORIES:
            log.add(f, i, "category", "unknown_code", WARNING, "not a GLEIF entity category; kept", r["category"])
        key = match.normalise(name)
        if key != r["normalised_name"]:
            log.add(f, i, "normalised_name", "stale_normalised_name", WARNING,
                    f"today's normaliser gives {key!r}; that is used (re-run `infrarisk datasets import gleif`)",
                    r["normalised_name"])
        seen.add(lei)
        out.append({"lei": lei, "legal_name": name, "country_code": country, "category": r["category"] or None,
                    "normalised_name": key, "source_url": RECORD_URL.format(lei=lei), "origin_file": f,
                    "origin_row": i})
    log.count(f, len(rows), len(out))
    return out
