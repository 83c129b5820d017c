"""What the census of container terminals changed on the ports layer: the methodology page's figures.

Contract: :func:`coverage` reads ``out_exposure__assets``, ``core_assets__assets``,
``core_census__ports`` / ``core_census__terminals`` / ``core_census__stakes`` and
``core_assets__census_map`` and returns the counts the methodology page states: the European
ports (the map's ports layer) and how many are ``unknown`` with the census, and without it (the
ports the census alone made known counted back as unknown; the ports added only for census
terminals left out), the census ports and terminals, the terminals the census added, the ones
it found among the curated terminals and the ones it says are not operating, the stake rows loaded.
"""

from __future__ import annotations

import duckdb

_SQL = """
WITH ports AS (
    SELECT a.asset_id, a.band,
           EXISTS (SELECT 1 FROM out_exposure__assets t JOIN core_assets__assets c USING (asset_id)
                   WHERE t.parent_asset_id = a.asset_id AND c.source_id = 'curated' AND t.has_ownership_data)
               AS has_curated,
           a.asset_id NOT LIKE 'wpi:%' AND NOT EXISTS (
               SELECT 1 FROM core_assets__assets c WHERE c.parent_asset_id = a.asset_id AND c.source_id <> 'census')
               AS census_only
    FROM out_exposure__assets a
    WHERE a.asset_class = 'port' AND a.is_europe
)
SELECT
    count(*)                                                            AS n_ports,
    count(*) FILTER (WHERE band = 'unknown')                            AS n_unknown,
    count(*) FILTER (WHERE NOT census_only)                             AS n_ports_before,
    count(*) FILTER (WHERE NOT census_only AND (band = 'unknown' OR NOT has_curated)) AS n_unknown_before,
    (SELECT count(*) FROM core_census__ports)                           AS n_census_ports,
    (SELECT count(*) FROM core_census__terminals)                       AS n_census_terminals,
    (SELECT count(*) FROM core_assets__census_map WHERE is_new)         AS n_new_terminals,
    (SELECT count(*) FROM core_assets__census_map WHERE NOT is_new AND asset_id IS NOT NULL) AS n_found_terminals,
    (SELECT count(*) FROM core_assets__census_map WHERE asset_id IS NULL) AS n_excluded_terminals,
    (SELECT count(*) FROM core_census__stakes)                          AS n_census_stakes
FROM ports
"""


def coverage(con: duckdb.DuckDBPyConnection) -> dict:
    """The census figures of the methodology page (module docstring); shares as fractions."""
    cur = con.execute(_SQL)
    r = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    r["share_unknown"] = r["n_unknown"] / r["n_ports"] if r["n_ports"] else 0.0
    r["share_unknown_before"] = r["n_unknown_before"] / r["n_ports_before"] if r["n_ports_before"] else 0.0
    return r
