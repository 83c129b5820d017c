-- core_assets__terminals: one row per terminal / concession named in the curated stakes.
-- A terminal is linked to its port by UN/LOCODE (the WPI port that is primary for the code;
-- otherwise a port made from the UN/LOCODE entry; otherwise a named place) and placed at its
-- own sourced position where one is known, else at the port.
-- The census terminals that are no curated terminal (core_assets__census_map.is_new) are added
-- the same way (source_id 'census'), at their SMDG position where the census gives one.
CREATE OR REPLACE TABLE core_assets__terminals AS
WITH named AS (
    -- attributes of an asset come from its first row; disagreements are reported by
    -- checks/asset_attributes_disagree.sql
    SELECT
        asset_name,
        min_by(port_name, origin_row)     AS port_name,
        min_by(unlocode, origin_row)      AS unlocode,
        min_by(country_code, origin_row)  AS country_code,
        min_by(asset_type, origin_row)    AS asset_type,
        min_by(asset_type_raw, origin_row) AS asset_type_raw,
        min_by(operator_name, origin_row) AS operator_name,
        count(*)                          AS stake_rows
    FROM core_curated__stakes
    GROUP BY asset_name
),
keyed AS (
    SELECT
        *,
        'terminal:' || rtrim(left(trim(regexp_replace(lower(strip_accents(asset_name)), '[^a-z0-9]+', '-', 'g'), '-'), 60), '-') AS asset_id,
        'place:' || country_code || ':' || trim(regexp_replace(lower(strip_accents(coalesce(port_name, asset_name))), '[^a-z0-9]+', '-', 'g'), '-') AS place_id
    FROM named
),
wpi_port AS (
    SELECT unlocode, asset_id, latitude, longitude
    FROM core_assets__ports
    WHERE is_primary_for_unlocode
),
locode AS (
    SELECT unlocode, latitude, longitude
    FROM raw_unlocode__locations
    WHERE NOT is_duplicate_unlocode
),
pos AS (
    SELECT asset_name, latitude, longitude, position_precision, source_url, source_title
    FROM core_curated__asset_locations
    WHERE source_file = 'asset_stakes'
),
census_new AS (
    SELECT
        m.asset_id, t.name AS asset_name, 'container_terminal' AS asset_type, 'container terminal (census)' AS asset_type_raw,
        left(t.unlocode, 2) AS country_code, t.unlocode, t.port AS port_name, t.operator_name,
        t.latitude, t.longitude, t.position_source_url,
        (SELECT count(*) FROM core_census__stakes s WHERE s.terminal_id = t.terminal_id) AS stake_rows
    FROM core_census__terminals t
    JOIN core_assets__census_map m USING (terminal_id)
    WHERE m.is_new
),
unioned AS (
SELECT
    k.asset_id,
    k.asset_name                                   AS name,
    k.asset_type,
    'terminal'                                     AS asset_class,
    k.asset_type_raw,
    k.country_code,
    k.unlocode,
    k.port_name,
    k.operator_name,
    CASE
        WHEN w.asset_id IS NOT NULL THEN w.asset_id
        WHEN k.unlocode IS NOT NULL THEN 'locode:' || k.unlocode
        ELSE k.place_id
    END                                            AS parent_asset_id,
    CASE
        WHEN w.asset_id IS NOT NULL THEN 'wpi'
        WHEN k.unlocode IS NOT NULL THEN 'unlocode'
        ELSE 'place'
    END                                            AS parent_source,
    coalesce(p.latitude, w.latitude, l.latitude)   AS latitude,
    coalesce(p.longitude, w.longitude, l.longitude) AS longitude,
    CASE
        WHEN p.latitude IS NOT NULL THEN p.position_precision
        WHEN w.latitude IS NOT NULL THEN 'port (World Port Index point)'
        WHEN l.latitude IS NOT NULL THEN 'port (UN/LOCODE point)'
    END                                            AS position_precision,
    CASE
        WHEN p.latitude IS NOT NULL THEN p.source_url
        WHEN w.latitude IS NOT NULL THEN 'https://msi.nga.mil/Publications/WPI'
        WHEN l.latitude IS NOT NULL THEN 'https://unece.org/trade/cefact/UNLOCODE-Download'
    END                                            AS position_source_url,
    k.asset_type = 'planned_port'                  AS is_planned,
    k.stake_rows,
    'curated'                                      AS source_id
FROM keyed k
LEFT JOIN wpi_port w ON w.unlocode = k.unlocode
LEFT JOIN locode l ON l.unlocode = k.unlocode
LEFT JOIN pos p ON p.asset_name = k.asset_name
UNION ALL
SELECT
    c.asset_id, c.asset_name, c.asset_type, 'terminal', c.asset_type_raw, c.country_code, c.unlocode, c.port_name,
    c.operator_name,
    coalesce(w.asset_id, 'locode:' || c.unlocode),
    CASE WHEN w.asset_id IS NOT NULL THEN 'wpi' ELSE 'unlocode' END,
    coalesce(c.latitude, w.latitude, l.latitude),
    coalesce(c.longitude, w.longitude, l.longitude),
    CASE
        WHEN c.latitude IS NOT NULL THEN 'terminal'
        WHEN w.latitude IS NOT NULL THEN 'port (World Port Index point)'
        WHEN l.latitude IS NOT NULL THEN 'port (UN/LOCODE point)'
    END,
    CASE
        WHEN c.latitude IS NOT NULL THEN c.position_source_url
        WHEN w.latitude IS NOT NULL THEN 'https://msi.nga.mil/Publications/WPI'
        WHEN l.latitude IS NOT NULL THEN 'https://unece.org/trade/cefact/UNLOCODE-Download'
    END,
    false, c.stake_rows, 'census'
FROM census_new c
LEFT JOIN wpi_port w ON w.unlocode = c.unlocode
LEFT JOIN locode l ON l.unlocode = c.unlocode
)
SELECT * FROM unioned
ORDER BY asset_id;
