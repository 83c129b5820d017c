"""Load the matching source (``datasets/matching``) into ``raw_matching__*`` and ``core_matching__*``.

Inputs: ``entities.csv`` (``entity_id, entity_name, lei, gem_entity_id, jurisdiction,
hq_country, entity_type, source_url, reason``) and ``aliases.csv`` (``alias, entity, reason,
source``), each value checked; the country codes of ``core_geo__countries``.

Outputs (empty, typed tables when the folder is absent):

- ``raw_matching__entities``, ``raw_matching__aliases``: every row as read, with its row number;
- ``core_matching__entities``: accepted entities in the shape of the unified entity table
  (plus ``gem_entity_id``), in file order;
- ``core_matching__aliases``: accepted aliases (``alias``, ``alias_key``, ``entity_id`` —
  NULL for ``no match`` — ``reason``, ``source``, ``origin_row``), in file order.

What only another source can tell (an entity id also used by the curated source, an alias
naming an unknown entity) is checked by the integrate stage, which rejects such rows and
corrects the row accounting.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ... import db, vocab
from ...match import NEW_PREFIX, NO_MATCH, REGISTRY_PREFIX, alias_key
from ...problems import ERROR, WARNING, ProblemLog
from ...settings import Settings
from ...validate import check_country, parse_lei
from ...collector import paused
from .._load import raw_copy, read_rows
from ..manifest import verify
from . import SOURCE_ID

ALIAS_COLS = ["alias", "entity", "reason", "source"]
ENTITY_COLS = ["entity_id", "entity_name", "lei", "gem_entity_id", "jurisdiction", "hq_country", "entity_type",
               "source_url", "reason"]
#: columns of core_matching__entities (those of the unified entity table, then gem_entity_id)
CORE_ENTITY_COLS = ["entity_id", "entity_name", "lei", "lei_match", "lei_legal_name", "lei_related",
                    "lei_source_url", "jurisdiction_code", "hq_country_code", "entity_type", "entity_type_raw",
                    "state_owned_note", "source_url", "note", "override_reason", "origin_file", "origin_row",
                    "gem_entity_id"]
CORE_ALIAS_COLS = ["alias", "alias_key", "entity_id", "reason", "source", "origin_row"]


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def check_entities(rows: list[dict], log: ProblemLog, countries: set[str]) -> list[dict]:
    """The accepted rows of ``entities.csv`` as entity rows (bad values logged)."""
    types = vocab.table("entity_types")
    f = f"{SOURCE_ID}/entities.csv"
    out, ids = [], set()
    for i, r in enumerate(rows, start=1):
        eid = r["entity_id"].strip()
        errs = []
        if not eid or eid in ids or eid.startswith((NEW_PREFIX, REGISTRY_PREFIX)):
            errs.append(("entity_id", "duplicate_id", "entity id missing, repeated, or reserved ('name:', 'lei:')"))
        if not r["entity_name"].strip():
            errs.append(("entity_name", "required", "entity has no name"))
        if not _is_url(r["source_url"]) or not r["reason"].strip():
            errs.append(("source_url", "source_required", "an added entity needs a source URL and a reason"))
        for col, check, reason in errs:
            log.add(f, i, col, check, ERROR, f"{reason}; row rejected", r.get(col))
        if errs:
            continue
        try:
            lei = parse_lei(r["lei"])
        except ValueError as e:
            log.add(f, i, "lei", "lei_check_digits", WARNING, f"{e}; LEI dropped, entity kept", r["lei"])
            lei = None
        codes = {}
        for col in ("jurisdiction", "hq_country"):
            try:
                codes[col] = check_country(r[col], countries)
            except ValueError as e:
                log.add(f, i, col, "country_code", WARNING, f"{e}; treated as unknown", r[col])
                codes[col] = None
        t = types.get(r["entity_type"])
        if t is None:
            log.add(f, i, "entity_type", "unknown_code", WARNING,
                    "entity type not in vocab/entity_types.csv; typed 'unknown'", r["entity_type"])
        ids.add(eid)
        out.append({
            "entity_id": eid, "entity_name": r["entity_name"].strip(), "lei": lei, "lei_match": None,
            "lei_legal_name": None, "lei_related": None, "lei_source_url": None,
            "jurisdiction_code": codes["jurisdiction"], "hq_country_code": codes["hq_country"],
            "entity_type": t["entity_type"] if t else "unknown", "entity_type_raw": r["entity_type"],
            "state_owned_note": None, "source_url": r["source_url"], "note": r["reason"], "override_reason": None,
            "origin_file": f, "origin_row": i, "gem_entity_id": r["gem_entity_id"].strip()})
    log.count(f, len(rows), len(out))
    return out


def check_aliases(rows: list[dict], log: ProblemLog) -> list[dict]:
    """The accepted rows of ``aliases.csv`` (bad values logged; targets are checked by integrate)."""
    f = f"{SOURCE_ID}/aliases.csv"
    out, seen = [], set()
    for i, r in enumerate(rows, start=1):
        key = alias_key(r["alias"])
        target = r["entity"].strip()
        err = None
        if not key:
            err = ("alias", "required", "blank alias")
        elif key in seen:
            err = ("alias", "duplicate_id", "a second row for the same alias")
        elif not target:
            err = ("entity", "required", f"entity must be an entity id or '{NO_MATCH}'")
        elif not r["reason"].strip() or not _is_url(r["source"]):
            err = ("reason", "source_required", "an alias needs a reason and a source URL")
        if err:
            log.add(f, i, err[0], err[1], ERROR, f"{err[2]}; row rejected", r.get(err[0]))
            continue
        seen.add(key)
        out.append({"alias": r["alias"].strip(), "alias_key": key,
                    "entity_id": None if target.casefold() == NO_MATCH else target,
                    "reason": r["reason"].strip(), "source": r["source"].strip(), "origin_row": i})
    log.count(f, len(rows), len(out))
    return out


def _typed(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols).astype({"origin_row": "int64"})
    return df.astype({c: "string" for c in cols if c != "origin_row"})


@paused()  # the loader makes no reference cycles (tests/sources/test_gc.py)
def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Load ``datasets/matching`` (module docstring)."""
    folder = settings.datasets_dir / SOURCE_ID
    entities: list[dict] = []
    aliases: list[dict] = []
    if (folder / "manifest.toml").exists():
        verify(folder)
        raw_copy(con, folder, "entities.csv", f"raw_{SOURCE_ID}__entities")
        raw_copy(con, folder, "aliases.csv", f"raw_{SOURCE_ID}__aliases")
        countries = {r[0] for r in con.execute("SELECT country_code FROM core_geo__countries").fetchall()}
        entities = check_entities(read_rows(folder / "entities.csv", ENTITY_COLS), log, countries)
        aliases = check_aliases(read_rows(folder / "aliases.csv", ALIAS_COLS), log)
    db.write_frame(con, f"core_{SOURCE_ID}__entities", _typed(entities, CORE_ENTITY_COLS))
    db.write_frame(con, f"core_{SOURCE_ID}__aliases", _typed(aliases, CORE_ALIAS_COLS))
