"""Load ``datasets/`` into DuckDB: ``raw_<source>__*`` faithful tables, then ``core_*``.

Contract: each loader module exposes ``load(con, settings, log)``. It verifies its
source folder against the manifest, reads each file, checks every value it reads
(recording a :class:`~infrarisk.problems.Problem` per bad value with file, row and
reason), writes the ``raw_`` tables, and records the row accounting
``rows_in = rows_loaded + rows_rejected`` in the :class:`~infrarisk.problems.ProblemLog`.
Loaders run in the order of :data:`LOADERS` (later ones may read earlier tables).
"""

from __future__ import annotations

from importlib import import_module

import duckdb

from ..problems import ProblemLog
from ..settings import Settings

LOADERS = [
    "infrarisk.load.unlocode",      # country codes first: others validate against them
    "infrarisk.load.naturalearth",
    "infrarisk.load.wpi",
    "infrarisk.load.registry",      # ingested GLEIF/BODS/PSC tables (merged by the integrate stage)
    "infrarisk.sources.curated.load",
    "infrarisk.load.cables",        # non-commercial: empty tables unless include_noncommercial
    "infrarisk.load.gem",
    "infrarisk.load.gleif_names",   # GLEIF legal names: the registry step of entity matching
    "infrarisk.sources.matching.load",
]


def load_all(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> None:
    """Run every loader in dependency order."""
    for name in LOADERS:
        import_module(name).load(con, settings, log)
