"""The integrate stage: every source's tables joined into the unified entities, assets and links.

Runs once, after every source's loader and before resolve. Reads only tables: each source's
``core_<source>__*`` (curated, matching, cables, GEM, GLEIF names, WPI, UN/LOCODE, countries),
the registry union ``core_registry__*`` and the manifests (for the licence of every file).

Steps (:func:`run`), each table written once:

1. ``core_meta__licences`` (:mod:`.licences`);
2. ``core_registry__entity_map``: registry entities that are curated ones, by LEI;
3. entity matching (:mod:`.matching`): the owner register joined to the other sources
   (:mod:`.register`: ``core_match__owner_map``, ``core_match__owner_links``), then
   ``core_match__names``, ``core_match__mentions``, ``core_match__entities`` and the readings
   sources disagree on, ``core_match__conflicts`` (:mod:`.conflicts`);
4. meanwhile, in a second thread (the asset tables read no table matching writes): the census
   terminals found among the curated ones or made new (:mod:`.census`,
   ``core_assets__census_map``), then the SQL files of ``sql/integrate/`` in
   :data:`ASSET_TABLES` order: ``core_assets__terminals``, ``core_assets__infra``,
   ``core_assets__assets``, ``core_assets__host_countries``, ``core_assets__lines``;
5. once both are done, the SQL files of :data:`OWNERSHIP_TABLES`, in order:
   ``core_ownership__entities``, ``core_ownership__infra_links``, ``core_ownership__links``
   (parameters from the settings, passed explicitly: ``$current_statuses``, ``$as_of_date``,
   ``$majority``), ``core_ownership__stake_conflicts`` (census readings the curated rows overrule).

Matching is Python and holds the interpreter lock; DuckDB leaves it free while it runs a
statement, so the asset tables are made on the processor's second core meanwhile (each thread
on its own cursor: DuckDB runs the two transactions side by side; they write different tables).
The tables are the same as made in turn (tested).

:func:`match_report` runs the loads, this stage and resolve into a fresh in-memory database
for ``infrarisk match-report`` (:mod:`.coverage`).
"""

from __future__ import annotations

import sys
import threading

import duckdb

from .. import db, match
from ..problems import ProblemLog
from ..settings import Settings
from ..sources import registry
from . import census, licences, matching

#: the asset tables made by sql/integrate/<table>.sql, in dependency order: from the loaders' tables and
#: ``core_assets__census_map`` alone, so beside matching
ASSET_TABLES = ["core_assets__terminals", "core_assets__infra", "core_assets__assets", "core_assets__host_countries",
                "core_assets__lines"]
#: the ownership tables made by sql/integrate/<table>.sql after matching and the asset tables, in dependency order
OWNERSHIP_TABLES = ["core_ownership__entities", "core_ownership__infra_links", "core_ownership__links",
                    "core_ownership__stake_conflicts"]
#: every unified table made by sql/integrate/<table>.sql
TABLES = ASSET_TABLES + OWNERSHIP_TABLES


def link_params(settings: Settings) -> dict:
    """The parameters of ``core_ownership__links.sql``, from the settings.

    Examples
    --------
    >>> sorted(link_params(Settings.load(environ={})))
    ['as_of_date', 'current_statuses', 'majority']
    """
    return {"current_statuses": list(settings.current_statuses), "as_of_date": settings.as_of,
            "majority": settings.thresholds.majority}


def prepare(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Steps 1-3: licences, the registry entity map, entity matching."""
    licences.write(con, settings.datasets_dir)
    return _match(con, settings, log)


def _match(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Steps 2-3: the registry entity map, entity matching."""
    try:  # the registry loader makes it resolve (attached file, or an empty TEMP table)
        con.execute("SELECT 1 FROM core_registry__entities LIMIT 0")
    except duckdb.CatalogException:
        registry.union(con)  # no registry loader ran (a partial load): the empty, typed union
    db.run_sql(con, "integrate/core_registry__entity_map")
    return matching.run(con, settings, log)


def asset_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Step 4: ``core_assets__census_map`` and the :data:`ASSET_TABLES`."""
    census.terminal_map(con)
    for table in ASSET_TABLES:
        db.run_sql(con, f"integrate/{table}")


def run(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Run the integrate stage into ``con`` (module docstring); returns the match result."""
    licences.write(con, settings.datasets_dir)
    beside = _Beside(con, asset_tables)
    try:
        result = _match(con, settings, log)
    finally:
        beside.join()
    params = {"core_ownership__links": link_params(settings)}
    for table in OWNERSHIP_TABLES:
        db.run_sql(con, f"integrate/{table}", params.get(table))
    return result


class _Beside:
    """``fn(cursor)`` running in a thread on its own cursor of ``con``; :meth:`join` waits for it and
    raises what it raised (after the caller's own work, which comes first when both fail)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, fn) -> None:
        self.cursor = con.cursor()
        self.error: BaseException | None = None

        def work() -> None:
            try:
                fn(self.cursor)
            except BaseException as e:  # noqa: BLE001 - raised again by join
                self.error = e
        self.thread = threading.Thread(target=work, name="infrarisk-integrate-assets", daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        self.cursor.close()
        if self.error is not None and sys.exc_info()[1] is None:
            raise self.error


def match_report(settings: Settings) -> tuple[match.MatchResult, ProblemLog, dict]:
    """Load, integrate and resolve the datasets into a fresh in-memory database: matches and coverage.

    Used by ``infrarisk match-report``: it reads the datasets as they are on disk, so an edit of
    ``matching/aliases.csv`` or ``owners/owner_names.csv`` shows at once, without a build.
    Returns the match result, the problem log and :func:`.coverage.coverage`.
    """
    from .coverage import run_in_memory

    return run_in_memory(settings)
