"""What the census of container terminals changed on the ports layer: the methodology page's figures.

Contract: :func:`coverage` reads ``out_exposure__assets``, ``core_assets__assets``,
``core_census__ports`` / ``core_census__terminals`` / ``core_census__stakes`` and
``core_assets__census_map`` and returns the counts the methodology page states: the European
ports (the map's ports layer) and how many are ``unknown`` with the census, and without it (each
port banded by its curated terminals alone, as they are banded now; the ports added only for
census terminals left out), the census ports and terminals, the terminals the census added, the ones
it found among the curated terminals and the ones it says are not operating, the stake rows loaded.
"""

from __future__ import annotations

import duckdb

_SQL = """
WITH curated_roll AS (
    -- a port as its curated terminals alone would band it: the most severe of their bands
    SELECT t.parent_asset_id AS asset_id,
           max(CASE t.band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2 WHEN 'unknown' THEN 1
                           ELSE 0 END) AS severity
    FROM out_exposure__assets t JOIN core_assets__assets c USING (asset_id)
    WHERE c.source_id = 'curated' AND c.asset_class = 'terminal' AND t.has_ownership_data
    GROUP BY ALL
),
ports AS (
    SELECT a.asset_id, a.band, coalesce(r.severity, 1) = 1 AS unknown_before,
           a.asset_id NOT LIKE 'wpi:%' AND NOT EXISTS (
               SELECT 1 FROM core_assets__assets c WHERE c.parent_asset_id = a.asset_id AND c.source_id <> 'census')
               AS census_only
    FROM out_exposure__assets a
    LEFT JOIN curated_roll r USING (asset_id)
    WHERE a.asset_class = 'port' AND a.is_europe
)
SELECT
    count(*)                                                            AS n_ports,
    count(*) FILTER (WHERE band = 'unknown')                            AS n_unknown,
    count(*) FILTER (WHERE NOT census_only)                             AS n_ports_before,
    count(*) FILTER (WHERE NOT census_only AND unknown_before)          AS n_unknown_before,
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
