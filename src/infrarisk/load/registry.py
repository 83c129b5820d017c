"""Carry the ingested registry tables (GLEIF, BODS, PSC) into a fresh build.

Contract: ``infrarisk ingest`` writes ``raw_<source>__*`` and ``core_<source>__*`` tables
of the registry sources into the database file; a build writes a *new* database file.
:func:`seed_build_file` starts that new file as a copy of the previous one when it holds
registry tables (a file copy: rewriting a 3-million-row golden copy table by table costs
a minute) and :func:`keep_only_registry` then drops every other table, so nothing of the
previous build survives but the ingested data. :func:`load` rebuilds the
``core_registry__*`` union (empty, typed tables when nothing was ingested); the integrate
stage then merges it into the unified tables (:mod:`infrarisk.integrate`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .. import registry
from ..problems import ProblemLog
from ..settings import Settings


def _is_registry_table(name: str) -> bool:
    return any(name.startswith(f"{layer}_{s}__") for layer in ("raw", "core") for s in registry.SOURCES)


def registry_tables(path: Path) -> list[str]:
    """Names of the registry tables in the database file ``path`` (none if it is absent)."""
    if not Path(path).is_file():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [n for n in registry.table_names(con) if _is_registry_table(n)]
    finally:
        con.close()


def seed_build_file(previous: Path, new: Path) -> bool:
    """Start the database file ``new`` as a copy of ``previous`` if that holds registry data."""
    import shutil

    if not registry_tables(previous):
        return False
    shutil.copyfile(previous, new)
    return True


def keep_only_registry(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every table and view but the registry ones (a seeded file starts clean)."""
    for n in registry.table_names(con):
        if not _is_registry_table(n):
            kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                               "AND table_schema = 'main'", [n]).fetchone()[0]
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {n}")


def carry_over(con: duckdb.DuckDBPyConnection, previous: Path) -> list[str]:
    """Copy the registry tables of the database file ``previous`` into ``con``."""
    current = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if current and current[0] and Path(current[0]).resolve() == previous.resolve():
        return []
    con.execute(f"ATTACH '{previous}' AS prev (READ_ONLY)")
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'prev' ORDER BY 1").fetchall()]
        names = [n for n in names if _is_registry_table(n)]
        for n in names:
            con.execute(f"CREATE OR REPLACE TABLE main.{n} AS SELECT * FROM prev.main.{n}")
    finally:
        con.execute("DETACH prev")
    return names


def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Copy ingested registry tables from the previous database, then rebuild the union."""
    previous = Path(settings.db_path)
    have = [n for n in registry.table_names(con) if _is_registry_table(n)]
    if previous.is_file() and not have:  # not seeded from the previous file: copy table by table
        carry_over(con, previous)
    registry.union(con)
    for s in registry.SOURCES:
        if f"core_{s}__links" in registry.table_names(con):
            n_in = con.execute(f"SELECT count(*) FROM core_{s}__links").fetchone()[0]
            log.count(f"registry/{s} links", n_in, n_in)
