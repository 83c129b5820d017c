"""GLEIF golden-copy delta files patch the ingested golden copy: add, update, retire.

Contract: :func:`apply_deltas` takes a registry database connection holding an ingested
golden copy (``core_gleif__entities``, ``__links``, ``__unknown_owners``) and the delta files
of one publish (``lei2``, ``rr``, ``repex``: CSV, gzipped CSV or GLEIF's zips, recognised by
their header). Each file is read by the golden-copy readers of :mod:`.gleif` into staging
tables (``core_gleifdelta__*``) with the same checks, then merged by key:

- entities by ``entity_id``, links by ``link_id``, unknown owners by (``subject_id``,
  ``category``): a key not yet in the table is **added**, a key present with other values
  is **updated** (its row replaced), an identical row is left alone;
- a record whose registration status is ``RETIRED``, ``ANNULLED``, ``MERGED`` or
  ``DUPLICATE`` is kept with that status and counted as **retired** (the golden-copy
  reader makes the links of such records historical, so they stop counting as control);
  ``LAPSED`` records are counted apart (a lapsed LEI is still the entity's identifier).

The delta's problems are added to ``core_gleif__problems``; the staging tables and their raw
views are dropped (the delta files themselves stay in the snapshot folder), and the union
``core_registry__*`` is rebuilt. Nothing is replaced wholesale: rows the delta does not name
are untouched. Returns the counts per table (``added``, ``updated``, ``retired``, ``lapsed``).
Without an ingested golden copy there is nothing to patch: a :class:`~infrarisk.errors.DataError`
(ingest the full files first).
"""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
from pathlib import Path

import duckdb

from ...errors import DataError
from . import KINDS, ensure_tables, table_names, union
from .gleif import ingest_lei, ingest_repex, ingest_rr
from .raw_files import files_dir

STAGE = "gleifdelta"
RETIRED = ("RETIRED", "ANNULLED", "MERGED", "DUPLICATE")
#: table kind -> key columns
KEYS = {"entities": ("entity_id",), "links": ("link_id",), "unknown_owners": ("subject_id", "category")}
#: a header column that tells the section of a delta file
SECTION_MARKERS = (("rr", "Relationship.StartNode.NodeID"), ("repex", "ExceptionCategory"),
                   ("repex", "Exception.Category"), ("lei2", "Entity.LegalName"))


def section_of(path: Path) -> str:
    """``lei2``, ``rr`` or ``repex`` from the file's CSV header (inside a zip or gzip too)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            name = next((m for m in z.namelist() if m.lower().endswith(".csv")), None)
            if name is None:
                raise DataError(f"{path}: no CSV inside")
            with z.open(name) as fh:
                head = io.TextIOWrapper(fh, encoding="utf-8-sig").readline()
    elif path.suffix.lower() == ".gz":
        with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
            head = fh.readline()
    else:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.readline()
    for section, marker in SECTION_MARKERS:
        if marker in head:
            return section
    raise DataError(f"{path}: not a GLEIF golden-copy delta file (header starts {head[:80]!r})")


def _status_sql(col: str) -> str:
    """SQL: the registration status (first part of ``record_status``) of a row."""
    return f"split_part(coalesce({col}, ''), '/', 1)"


def _merge(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, int]:
    target, staged = f"core_gleif__{kind}", f"core_{STAGE}__{kind}"
    keys = KEYS[kind]
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in keys)
    cols = [r[0] for r in con.execute(f"DESCRIBE {target}").fetchall()]
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in cols if c not in ("origin_file", "origin_row"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _d AS SELECT s.*, "
                f"EXISTS (SELECT 1 FROM {target} t WHERE {on}) AS _known, "
                f"EXISTS (SELECT 1 FROM {target} t WHERE {on} AND {same}) AS _same FROM {staged} s")
    counts = {"added": 0, "updated": 0, "retired": 0, "lapsed": 0}
    for added, n in con.execute("SELECT NOT _known, count(*) FROM _d WHERE NOT _same GROUP BY ALL").fetchall():
        counts["added" if added else "updated"] = n
    if "record_status" in cols:
        st = _status_sql("record_status")
        counts["retired"] = con.execute(f"SELECT count(*) FROM _d WHERE NOT _same AND {st} IN "
                                        f"({', '.join(repr(x) for x in RETIRED)})").fetchone()[0]
        counts["lapsed"] = con.execute(f"SELECT count(*) FROM _d WHERE NOT _same AND {st} = 'LAPSED'").fetchone()[0]
    con.execute(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM _d s WHERE NOT s._same AND {on})")
    con.execute(f"INSERT INTO {target} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _d WHERE NOT _same")
    con.execute("DROP TABLE _d")
    return counts


def apply_deltas(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> dict[str, dict[str, int]]:
    """Patch the golden-copy tables with the delta files ``paths`` (see the module docstring)."""
    have = set(table_names(con))
    if "core_gleif__entities" not in have:
        raise DataError("no ingested GLEIF golden copy to patch (core_gleif__entities is missing): ingest the full "
                        "files first (infrarisk ingest gleif-lei/gleif-rr/gleif-repex)")
    kinds = {r[0]: r[1] for r in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = current_database()").fetchall()}
    by_section: dict[str, list[Path]] = {}
    for p in sorted(Path(x) for x in paths):
        by_section.setdefault(section_of(p), []).append(p)
    readers = {"lei2": (ingest_lei, "entities"), "rr": (ingest_rr, "links"), "repex": (ingest_repex, "unknown_owners")}
    out: dict[str, dict[str, int]] = {}
    ensure_tables(con, "gleif")
    try:
        for section in ("lei2", "rr", "repex"):
            files = by_section.get(section)
            if not files:
                continue
            kind = readers[section][1]
            if kinds.get(f"core_gleif__{kind}", "BASE TABLE") == "VIEW":
                raise DataError(f"core_gleif__{kind} is a view; a delta cannot patch it")
            ensure_tables(con, STAGE)
            readers[section][0](con, files, source=STAGE)
            out[kind] = _merge(con, kind)
            con.execute(f"INSERT INTO core_gleif__problems SELECT * FROM core_{STAGE}__problems")
            con.execute(f"DELETE FROM core_{STAGE}__problems")
        union(con)
    finally:
        _drop_stage(con)
    return out


def _drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_catalog = current_database() AND table_name LIKE ?", [f"%_{STAGE}__%"]).fetchall()
    for name, kind in rows:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")
        if kind == "VIEW":
            shutil.rmtree(files_dir(con) / name, ignore_errors=True)


__all__ = ["apply_deltas", "section_of", "KINDS"]
