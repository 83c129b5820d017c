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
4. the census terminals found among the curated ones or made new (:mod:`.census`,
   ``core_assets__census_map``);
5. the SQL files of ``sql/integrate/``, in :data:`TABLES` order: ``core_ownership__entities``,
   ``core_assets__terminals``, ``core_assets__infra``, ``core_ownership__infra_links``,
   ``core_assets__assets``, ``core_ownership__links`` (parameters from the settings, passed
   explicitly: ``$current_statuses``, ``$as_of_date``, ``$majority``), ``core_ownership__stake_conflicts``
   (census readings the curated rows overrule), ``core_assets__lines``,
   ``core_assets__host_countries``.

:func:`match_report` runs the loads, this stage and resolve into a fresh in-memory database
for ``infrarisk match-report`` (:mod:`.coverage`).
"""

from __future__ import annotations

import duckdb

from .. import db, match
from ..problems import ProblemLog
from ..settings import Settings
from ..sources import registry
from . import census, licences, matching

#: the unified tables made by sql/integrate/<table>.sql, in dependency order
TABLES = ["core_ownership__entities", "core_assets__terminals", "core_assets__infra", "core_ownership__infra_links",
          "core_assets__assets", "core_ownership__links", "core_ownership__stake_conflicts", "core_assets__lines",
          "core_assets__host_countries"]


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
    try:  # the registry loader makes it resolve (attached file, or an empty TEMP table)
        con.execute("SELECT 1 FROM core_registry__entities LIMIT 0")
    except duckdb.CatalogException:
        registry.union(con)  # no registry loader ran (a partial load): the empty, typed union
    db.run_sql(con, "integrate/core_registry__entity_map")
    return matching.run(con, settings, log)


def run(con: duckdb.DuckDBPyConnection, settings: Settings, log: ProblemLog) -> match.MatchResult:
    """Run the integrate stage into ``con`` (module docstring); returns the match result."""
    result = prepare(con, settings, log)
    census.terminal_map(con)
    params = {"core_ownership__links": link_params(settings)}
    for table in TABLES:
        db.run_sql(con, f"integrate/{table}", params.get(table))
    return result


def match_report(settings: Settings) -> tuple[match.MatchResult, ProblemLog, dict]:
    """Load, integrate and resolve the datasets into a fresh in-memory database: matches and coverage.

    Used by ``infrarisk match-report``: it reads the datasets as they are on disk, so an edit of
    ``matching/aliases.csv`` or ``owners/owner_names.csv`` shows at once, without a build.
    Returns the match result, the problem log and :func:`.coverage.coverage`.
    """
    from .coverage import run_in_memory

    return run_in_memory(settings)
