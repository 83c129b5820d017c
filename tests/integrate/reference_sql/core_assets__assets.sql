-- core_assets__assets: every asset in one table: World Port Index ports, ports made from
-- UN/LOCODE entries or named places for terminals whose port is not in the WPI, the
-- terminals / concessions of the curated stakes, and the layer assets of core_assets__infra
-- (cable systems, landing stations, telecom assets, energy assets). asset_num is a dense
-- integer surrogate key (sorted by asset_id) for the ownership engine. source_files lists the
-- dataset files a row draws on; licence is the most restrictive of their licences
-- (core_meta__licences), is_noncommercial whether any of them is non-commercial.
CREATE OR REPLACE TABLE core_assets__assets AS
WITH wpi AS (
    SELECT
        asset_id, name, 'port' AS asset_type, 'port' AS asset_class, country_code, unlocode,
        CAST(NULL AS VARCHAR) AS parent_asset_id, latitude, longitude,
        'port' AS position_precision, 'https://msi.nga.mil/Publications/WPI' AS position_source_url,
        CAST(NULL AS VARCHAR) AS operator_name, false AS is_planned, 'wpi' AS source_id,
        ['wpi/wpi_ports.csv'] AS source_files
    FROM core_assets__ports
),
extra_ports AS (
    -- ports that terminals need but the WPI lacks (e.g. Poti, Duisburg inland)
    SELECT
        t.parent_asset_id                                  AS asset_id,
        coalesce(any_value(l.name), min(t.port_name))      AS name,
        'port'                                             AS asset_type,
        'port'                                             AS asset_class,
        min(t.country_code)                                AS country_code,
        min(t.unlocode)                                    AS unlocode,
        CAST(NULL AS VARCHAR)                              AS parent_asset_id,
        coalesce(any_value(l.latitude), min_by(t.latitude, t.asset_id))   AS latitude,
        coalesce(any_value(l.longitude), min_by(t.longitude, t.asset_id)) AS longitude,
        CASE WHEN any_value(l.latitude) IS NOT NULL THEN 'port (UN/LOCODE point)'
             ELSE 'position of its first terminal' END     AS position_precision,
        CASE WHEN any_value(l.latitude) IS NOT NULL THEN 'https://unece.org/trade/cefact/UNLOCODE-Download'
             ELSE min_by(t.position_source_url, t.asset_id) END AS position_source_url,
        CAST(NULL AS VARCHAR)                              AS operator_name,
        bool_and(t.is_planned)                             AS is_planned,
        min(t.parent_source)                               AS source_id,
        CASE WHEN any_value(l.latitude) IS NOT NULL THEN ['unlocode/locations.csv']
             ELSE list_distinct(flatten(list(t.source_files))) END AS source_files
    FROM (
        SELECT *, CASE WHEN source_id = 'census' THEN ['census/terminals.csv']
                       WHEN position_precision IN ('terminal', 'port_area', 'town')
                       THEN ['curated/asset_stakes.csv', 'curated/asset_locations.csv']
                       ELSE ['curated/asset_stakes.csv'] END AS source_files
        FROM core_assets__terminals
    ) t
    LEFT JOIN (
        SELECT unlocode, name_wo_diacritics AS name, latitude, longitude
        FROM raw_unlocode__locations
        WHERE NOT is_duplicate_unlocode
    ) l ON l.unlocode = t.unlocode
    WHERE t.parent_source <> 'wpi'
    GROUP BY t.parent_asset_id
),
terminals AS (
    SELECT
        asset_id, name, asset_type, asset_class, country_code, unlocode, parent_asset_id,
        latitude, longitude, position_precision, position_source_url, operator_name, is_planned,
        source_id,
        CASE WHEN source_id = 'census' THEN ['census/terminals.csv']
             WHEN position_precision IN ('terminal', 'port_area', 'town')
             THEN ['curated/asset_stakes.csv', 'curated/asset_locations.csv']
             ELSE ['curated/asset_stakes.csv'] END AS source_files
    FROM core_assets__terminals
),
infra AS (
    -- the layers: cable systems, landing stations, telecom assets, energy assets
    SELECT
        asset_id, name, asset_type, asset_class, country_code, unlocode, parent_asset_id,
        latitude, longitude, position_precision, position_source_url, operator_name, is_planned,
        source_id, source_files
    FROM core_assets__infra
),
all_assets AS (
    SELECT * FROM wpi
    UNION ALL SELECT * FROM extra_ports
    UNION ALL SELECT * FROM terminals
    UNION ALL SELECT * FROM infra
),
licensed AS (
    SELECT a.asset_id, arg_max(l.licence, l.licence_rank) AS licence, bool_or(l.is_noncommercial) AS is_noncommercial
    FROM all_assets a
    CROSS JOIN unnest(a.source_files) AS u(file)
    JOIN core_meta__licences l ON l.file = u.file
    GROUP BY a.asset_id
)
SELECT
    row_number() OVER (ORDER BY a.asset_id) - 1 AS asset_num,
    a.*,
    coalesce(c.is_europe, false)               AS is_europe,
    lic.licence,
    coalesce(lic.is_noncommercial, false)      AS is_noncommercial
FROM all_assets a
LEFT JOIN core_geo__countries c ON c.country_code = a.country_code
LEFT JOIN licensed lic ON lic.asset_id = a.asset_id
ORDER BY a.asset_id;
