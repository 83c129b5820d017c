-- core_assets__infra: the layer assets, in the columns of core_assets__assets plus their own:
--   cable systems (cable:<id>, TeleGeography; a line: position = a point half-way along the route;
--     country NULL: a cable belongs to no one country, its landing countries are in core_assets__host_countries),
--   landing stations (landing:<id>, TeleGeography; exposed only through the cables that land there),
--   telecom assets of the curated stakes (telecom:<slug>): cable landings and data centres at their sourced
--     position; national networks, tower portfolios and listed groups, which are not sites, at the label point
--     of their country (Natural Earth LABEL_X/LABEL_Y), said so in position_precision,
--   energy assets (gem:<id>, Global Energy Monitor) with GEM's status and its group.
-- source_files lists the dataset files each row draws on (for its licence, in core_assets__assets).
CREATE OR REPLACE TABLE core_assets__infra AS
WITH cables AS (
    SELECT
        asset_id, name, 'cable_system' AS asset_type, 'cable' AS asset_class,
        CAST(NULL AS VARCHAR) AS country_code, CAST(NULL AS VARCHAR) AS unlocode, CAST(NULL AS VARCHAR) AS parent_asset_id,
        latitude, longitude, 'a point half-way along the route' AS position_precision,
        'https://www.submarinecablemap.com/submarine-cable/' || cable_id AS position_source_url,
        CAST(NULL AS VARCHAR) AS operator_name, is_planned, 'submarine-cables' AS source_id,
        ['submarine-cables/cables.csv', 'submarine-cables/cable_owners.csv', 'submarine-cables/cable_routes.geojson']
            AS source_files,
        status, status_group, length_km AS capacity, 'km' AS capacity_unit, CAST(rfs_year AS BIGINT) AS start_year,
        'https://www.submarinecablemap.com/submarine-cable/' || cable_id AS detail_url, 'line' AS geometry_kind,
        CAST(NULL AS BIGINT) AS n_countries, origin_file, origin_row
    FROM core_cables__systems
),
landings AS (
    SELECT
        asset_id, name, 'landing_station' AS asset_type, 'landing' AS asset_class,
        country_code, NULL, NULL,
        latitude, longitude,
        CASE WHEN is_tbd THEN 'landing site to be decided (TeleGeography placeholder position)'
             ELSE 'landing point (TeleGeography)' END,
        'https://www.submarinecablemap.com/landing-point/' || landing_point_id,
        NULL, false, 'submarine-cables', ['submarine-cables/landing_points.csv'],
        CASE WHEN is_tbd THEN 'to be decided' END, CAST(NULL AS VARCHAR), CAST(n_cables AS DOUBLE), 'cables', NULL,
        'https://www.submarinecablemap.com/landing-point/' || landing_point_id, 'point', 1, origin_file, origin_row
    FROM core_cables__landing_points
),
telecom_named AS (
    SELECT
        asset_name,
        min_by(country_code, origin_row)   AS country_code,
        min_by(asset_type, origin_row)     AS asset_type,
        min_by(operator_name, origin_row)  AS operator_name,
        min_by(port_name, origin_row)      AS place_name,
        min(origin_row)                    AS origin_row,
        min(origin_file)                   AS origin_file
    FROM core_curated__telecom_stakes
    GROUP BY asset_name
),
label_points AS (
    SELECT country_code, label_latitude, label_longitude
    FROM core_geo__country_polygons
    WHERE country_code IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY country_code
                               ORDER BY is_country_code_corrected, population DESC NULLS LAST, ne_id) = 1
),
telecom AS (
    SELECT
        'telecom:' || rtrim(left(trim(regexp_replace(lower(strip_accents(t.asset_name)), '[^a-z0-9]+', '-', 'g'), '-'), 60), '-'),
        t.asset_name, coalesce(t.asset_type, 'telecom_other'), 'telecom',
        t.country_code, NULL, NULL,
        coalesce(p.latitude, lp.label_latitude), coalesce(p.longitude, lp.label_longitude),
        CASE WHEN p.latitude IS NOT NULL THEN p.position_precision
             ELSE 'country: drawn at the label point of ' || t.country_code || ' (a national network or a group, not a site)'
        END,
        coalesce(p.source_url, 'https://www.naturalearthdata.com'),
        t.operator_name, false, 'curated',
        CASE WHEN p.latitude IS NOT NULL THEN ['curated/telecom_stakes.csv', 'curated/asset_locations.csv']
             ELSE ['curated/telecom_stakes.csv', 'naturalearth/countries.geojson'] END,
        CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS DOUBLE), CAST(NULL AS VARCHAR), NULL,
        CAST(NULL AS VARCHAR), 'point', 1, t.origin_file, t.origin_row
    FROM telecom_named t
    LEFT JOIN core_curated__asset_locations p ON p.asset_name = t.asset_name AND p.source_file = 'telecom_stakes'
    LEFT JOIN label_points lp ON lp.country_code = t.country_code
),
energy AS (
    SELECT
        asset_id, name, asset_type, asset_class,
        country_code, NULL, NULL,
        latitude, longitude, position_precision, coalesce(detail_url, 'https://globalenergymonitor.org/projects/europe-gas-tracker/'),
        NULL, is_planned, 'gem-europe-gas',
        CASE WHEN geometry_kind = 'line' THEN ['gem-europe-gas/assets.csv', 'gem-europe-gas/stakes.csv', 'gem-europe-gas/pipelines.geojson']
             ELSE ['gem-europe-gas/assets.csv', 'gem-europe-gas/stakes.csv'] END,
        status, status_group, capacity, capacity_unit, start_year, detail_url, geometry_kind, n_countries,
        origin_file, origin_row
    FROM core_gem__assets
),
unioned AS (
    SELECT * FROM cables
    UNION ALL SELECT * FROM landings
    UNION ALL SELECT * FROM telecom
    UNION ALL SELECT * FROM energy
)
SELECT
    CAST(asset_id AS VARCHAR) AS asset_id, CAST(name AS VARCHAR) AS name, CAST(asset_type AS VARCHAR) AS asset_type,
    CAST(asset_class AS VARCHAR) AS asset_class, CAST(country_code AS VARCHAR) AS country_code,
    CAST(unlocode AS VARCHAR) AS unlocode, CAST(parent_asset_id AS VARCHAR) AS parent_asset_id,
    CAST(latitude AS DOUBLE) AS latitude, CAST(longitude AS DOUBLE) AS longitude,
    CAST(position_precision AS VARCHAR) AS position_precision, CAST(position_source_url AS VARCHAR) AS position_source_url,
    CAST(operator_name AS VARCHAR) AS operator_name, CAST(is_planned AS BOOLEAN) AS is_planned,
    CAST(source_id AS VARCHAR) AS source_id, CAST(source_files AS VARCHAR[]) AS source_files,
    CAST(status AS VARCHAR) AS status, CAST(status_group AS VARCHAR) AS status_group,
    CAST(capacity AS DOUBLE) AS capacity, CAST(capacity_unit AS VARCHAR) AS capacity_unit,
    CAST(start_year AS BIGINT) AS start_year, CAST(detail_url AS VARCHAR) AS detail_url,
    CAST(geometry_kind AS VARCHAR) AS geometry_kind, CAST(n_countries AS BIGINT) AS n_countries,
    CAST(origin_file AS VARCHAR) AS origin_file, CAST(origin_row AS BIGINT) AS origin_row
FROM unioned
ORDER BY asset_id;
