-- core_assets__assets: every asset in one table: World Port Index ports, ports made from
-- UN/LOCODE entries or named places for terminals whose port is not in the WPI, and the
-- terminals / concessions of the curated stakes. asset_num is a dense integer surrogate
-- key (sorted by asset_id) for the ownership engine.
CREATE OR REPLACE TABLE core_assets__assets AS
WITH wpi AS (
    SELECT
        asset_id, name, 'port' AS asset_type, 'port' AS asset_class, country_code, unlocode,
        CAST(NULL AS VARCHAR) AS parent_asset_id, latitude, longitude,
        'port' AS position_precision, 'https://msi.nga.mil/Publications/WPI' AS position_source_url,
        CAST(NULL AS VARCHAR) AS operator_name, false AS is_planned, 'wpi' AS source_id
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
        min(t.parent_source)                               AS source_id
    FROM core_assets__terminals t
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
        'ownership' AS source_id
    FROM core_assets__terminals
),
all_assets AS (
    SELECT * FROM wpi
    UNION ALL SELECT * FROM extra_ports
    UNION ALL SELECT * FROM terminals
)
SELECT
    row_number() OVER (ORDER BY a.asset_id) - 1 AS asset_num,
    a.*,
    coalesce(c.is_europe, false)               AS is_europe
FROM all_assets a
LEFT JOIN core_geo__countries c ON c.country_code = a.country_code
ORDER BY a.asset_id;
