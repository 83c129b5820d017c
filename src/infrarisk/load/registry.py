"""Carry the ingested registry tables (GLEIF, BODS, PSC) into a fresh build.

Contract: ``infrarisk ingest`` writes ``raw_<source>__*`` and ``core_<source>__*`` tables
of the registry sources into the database file; a build writes a *new* database file.
:func:`load` copies those tables from the previous database at ``settings.db_path`` (when
it exists) into the database being built, then rebuilds the ``core_registry__*`` union
(empty, typed tables when nothing was ingested). The curated loader then merges them
into the common model (:func:`infrarisk.registry.merge`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .. import registry
from ..problems import ProblemLog
from ..settings import Settings


def _is_registry_table(name: str) -> bool:
    return any(name.startswith(f"{layer}_{s}__") for layer in ("raw", "core") for s in registry.SOURCES)


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
    if previous.is_file():
        carry_over(con, previous)
    registry.union(con)
    for s in registry.SOURCES:
        if f"core_{s}__links" in registry.table_names(con):
            n_in = con.execute(f"SELECT count(*) FROM core_{s}__links").fetchone()[0]
            log.count(f"registry/{s} links", n_in, n_in)
