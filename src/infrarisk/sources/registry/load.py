"""The ingested registry data (GLEIF, BODS, PSC) during a build: attached, read-only.

Contract: ``infrarisk ingest`` writes ``raw_<source>__*``, ``core_<source>__*`` and the
union ``core_registry__entities`` / ``__links`` / ``__unknown_owners`` into the registry
database file (``settings.registry_db_path``, default ``data/registry.duckdb``); a build
never starts from a copy of a previous build. :func:`load` attaches that file read-only
(as ``registry_db``) when it exists and makes the union's names resolve in the build:

- ``core_registry__entities`` is a TEMP view over the attached table: only the integrate
  stage reads it (:mod:`infrarisk.integrate`), which copies what the build keeps into
  ``core_ownership__entities``; millions of rows are not copied twice;
- ``core_registry__links`` and ``core_registry__unknown_owners`` are copied into the build
  database: ``sql/integrate/core_ownership__links.sql`` and the exports read them from the
  built file, after the registry file is detached.

Without a registry file the three are empty, typed (the view's place taken by an empty
TEMP table). The per-source tables stay in the registry file only. Each source's link
count is recorded in the problem log's row accounting (``registry/<source> links``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ... import db
from ...problems import ProblemLog
from ...settings import Settings
from . import ENTITY_COLUMNS, LINK_COLUMNS, SOURCES, UNKNOWN_COLUMNS, empty_table

ALIAS = "registry_db"
UNION = ("core_registry__entities", "core_registry__links", "core_registry__unknown_owners")


def _attached_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main'",
        [ALIAS]).fetchall()}


def attach(con: duckdb.DuckDBPyConnection, path: Path | None) -> set[str]:
    """Attach the registry file read-only if it holds the union tables; the tables it holds."""
    if path is None or not Path(path).is_file():
        return set()
    if ALIAS not in {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}:
        db.attach(con, path, ALIAS, read_only=True)
    have = _attached_tables(con)
    if not set(UNION) <= have:
        con.execute(f"DETACH {ALIAS}")
        return set()
    return have


def load(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Make ``core_registry__*`` resolve in the build (see the module docstring)."""
    have = attach(con, settings.registry_db_path)
    if not have:
        cols = {**ENTITY_COLUMNS, "source_id": "VARCHAR", "placeholder_reason": "VARCHAR"}
        con.execute("CREATE OR REPLACE TEMP TABLE core_registry__entities ("
                    + ", ".join(f"{c} {t}" for c, t in cols.items()) + ")")
        empty_table(con, "core_registry__links", {"source_id": "VARCHAR", **LINK_COLUMNS,
                                                  "dangling_reason": "VARCHAR"})
        empty_table(con, "core_registry__unknown_owners", {"source_id": "VARCHAR", **UNKNOWN_COLUMNS})
        return
    con.execute(f"CREATE OR REPLACE TEMP VIEW core_registry__entities AS "
                f"SELECT * FROM {ALIAS}.main.core_registry__entities")
    for t in UNION[1:]:
        con.execute(f"CREATE OR REPLACE TABLE main.{t} AS SELECT * FROM {ALIAS}.main.{t}")
    for s in SOURCES:
        if f"core_{s}__links" in have:
            n_in = con.execute(f"SELECT count(*) FROM {ALIAS}.main.core_{s}__links").fetchall()[0][0]
            log.count(f"registry/{s} links", n_in, n_in)
