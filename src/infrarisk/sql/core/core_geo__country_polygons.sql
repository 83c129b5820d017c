-- core_geo__country_polygons: one row per Natural Earth 1:50m admin-0 feature, with the
-- ISO alpha-2 code it counts for. That is ISO_A2_EH, except for the features Natural Earth
-- codes -99, which corrections/feature_country_codes.csv assigns (Northern Cyprus -> CY,
-- Somaliland -> SO) or leaves without a code (Siachen Glacier). Geometry is WKT (EPSG:4326),
-- unchanged; boundaries are de facto (Crimea lies in the Russia polygon).
CREATE OR REPLACE TABLE core_geo__country_polygons AS
WITH features AS (
    SELECT * FROM raw_naturalearth__countries
),
code_corrections AS (
    SELECT ne_id, country_code FROM raw_naturalearth__feature_country_codes
),
coded AS (
    SELECT
        f.*,
        -- a correction row wins, even when it leaves the code empty on purpose
        CASE WHEN c.ne_id IS NOT NULL THEN c.country_code ELSE nullif(f.iso_a2_eh, '-99') END AS country_code,
        c.ne_id IS NOT NULL AS is_country_code_corrected
    FROM features f
    LEFT JOIN code_corrections c ON c.ne_id = f.ne_id
)
SELECT
    ne_id,
    country_code,
    is_country_code_corrected,
    nullif(iso_a3_eh, '-99')  AS iso_a3_code,
    name,
    name_long,
    admin                      AS admin_name,
    sovereignt                 AS sovereign_name,
    type                       AS entity_type,
    continent,
    region_un,
    subregion,
    CAST(pop_est AS BIGINT)    AS population,
    wikidataid                 AS wikidata_id,
    label_x                    AS label_longitude,
    label_y                    AS label_latitude,
    geometry_wkt
FROM coded
ORDER BY ne_id;
