-- core_vendor__networks: one mobile network asset per operator of the supply source (core_supply__operators).
-- Where the reviewed alias table (core_supply__asset_aliases, kind mobile_network, name = operator id) names an
-- asset of core_assets__assets, the network IS that asset (a curated telecom network: never duplicated);
-- otherwise a vendor-layer asset mobile:<operator_id>, drawn like the curated national networks at the label
-- point of its country (Natural Earth LABEL_X/LABEL_Y), said so in position_precision. These assets live in the
-- vendor dimension only: core_assets__assets and the ownership tables are not touched.
CREATE OR REPLACE TABLE core_vendor__networks AS
WITH label_points AS (
    SELECT country_code, label_latitude, label_longitude
    FROM core_geo__country_polygons
    WHERE country_code IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY country_code
                               ORDER BY is_country_code_corrected, population DESC NULLS LAST, ne_id) = 1
),
aliased AS (
    SELECT CAST(al.name AS VARCHAR) AS operator_id, a.asset_id, a.name, a.latitude, a.longitude, a.position_precision
    FROM core_supply__asset_aliases al
    JOIN core_assets__assets a ON a.asset_id = CAST(al.asset_id AS VARCHAR)
    WHERE CAST(al.asset_kind AS VARCHAR) = 'mobile_network'
)
SELECT
    CAST(o.operator_id AS VARCHAR) AS operator_id,
    coalesce(x.asset_id, 'mobile:' || CAST(o.operator_id AS VARCHAR)) AS asset_id,
    coalesce(x.name, CAST(o.operator_name AS VARCHAR) || ' mobile network (' || CAST(o.country_code AS VARCHAR) || ')') AS name,
    CAST(o.operator_name AS VARCHAR) AS operator_name,
    'mobile_network' AS asset_type,
    CAST(o.country_code AS VARCHAR) AS country_code,
    CAST(coalesce(x.latitude, lp.label_latitude) AS DOUBLE) AS latitude,
    CAST(coalesce(x.longitude, lp.label_longitude) AS DOUBLE) AS longitude,
    coalesce(x.position_precision, 'country: drawn at the label point of ' || CAST(o.country_code AS VARCHAR)
             || ' (a national network, not a site)') AS position_precision,
    x.asset_id IS NOT NULL AS is_existing_asset,
    CAST(o.owner_group AS VARCHAR) AS owner_group,
    CAST(o.source_url AS VARCHAR) AS source_url,
    CAST(o.source_date AS DATE) AS source_date
FROM core_supply__operators o
LEFT JOIN aliased x ON x.operator_id = CAST(o.operator_id AS VARCHAR)
LEFT JOIN label_points lp ON lp.country_code = CAST(o.country_code AS VARCHAR)
ORDER BY operator_id;
