"""In-memory builds of the shipped datasets for the analysts' API, cached per process.

Contract: :func:`memory_build` runs the pipeline's own stages (verify → load → resolve →
score → checks, :func:`infrarisk.pipeline.build_database`) into an in-memory DuckDB
connection for given settings and profile, once per distinct input for the life of the
process, and returns that connection (callers take a ``cursor()`` of it).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .. import db as dbmod
from ..profiles import Profile
from ..settings import Settings

# in-memory builds of this process, by what they were built from
_BUILDS: dict[tuple, duckdb.DuckDBPyConnection] = {}


def memory_build(settings: Settings, prof: Profile) -> duckdb.DuckDBPyConnection:
    """The in-memory database built from ``settings`` under ``prof`` (built on first request)."""
    from ..pipeline import BuildReport, build_database

    key = (repr(settings.with_(site_dir=Path("."))), prof)
    con = _BUILDS.get(key)
    if con is None:
        con = dbmod.connect(None)
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        report = BuildReport(db_path=Path(":memory:"), site_dir=None)
        build_database(con, settings, prof, report, lambda s: None)
        _BUILDS[key] = con
    return con
