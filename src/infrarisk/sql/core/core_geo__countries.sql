-- core_geo__countries: one row per ISO 3166-1 alpha-2 code known from the UN/LOCODE country
-- list (plus the codes added in datasets/unlocode/corrections, i.e. XK), with its name,
-- continent and whether it counts as European.
--
-- Attributes come from the code's own Natural Earth feature (the most populous one when a
-- code has several, e.g. AU); codes without a polygon of their own take continent and
-- subregion from datasets/naturalearth/corrections/countries.csv, which also names the code
-- whose polygon covers them (GP -> FR, SJ -> NO, GI -> ES at 1:50m).
--
-- is_europe rule: Natural Earth CONTINENT = 'Europe' (after the correction's continent for
-- polygon-less codes), unless corrections/countries.csv sets is_europe explicitly; it adds
-- CY, TR, GE, AM and AZ. So Malta (NE: Europe) and Cyprus are in; Russia counts whole
-- (NE: Europe); Greenland (North America), Kazakhstan (Asia) and the French overseas
-- departements (their own continents) are out. The flag is per country, not per point.
CREATE OR REPLACE TABLE core_geo__countries AS
WITH codes AS (
    SELECT country_code, country_name AS unlocode_country_name, is_unlocode_code
    FROM raw_unlocode__country_codes
),
own_feature AS (
    -- the feature that describes a code: its own (not one assigned by a correction), most populous first
    SELECT *
    FROM core_geo__country_polygons
    WHERE country_code IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY country_code
        ORDER BY is_country_code_corrected, population DESC NULLS LAST, ne_id
    ) = 1
),
corrections AS (
    SELECT * FROM raw_naturalearth__country_corrections
),
joined AS (
    SELECT
        k.country_code,
        coalesce(f.name_long, k.unlocode_country_name)      AS country_name,
        k.unlocode_country_name,
        f.iso_a3_code,
        coalesce(c.continent, f.continent)                  AS continent,
        coalesce(c.subregion, f.subregion)                  AS subregion,
        f.region_un,
        f.sovereign_name,
        f.ne_id IS NOT NULL                                 AS has_polygon,
        CASE WHEN f.ne_id IS NOT NULL THEN k.country_code
             ELSE c.polygon_country_code END                AS polygon_country_code,
        c.is_europe                                         AS is_europe_corrected,
        k.is_unlocode_code
    FROM codes k
    LEFT JOIN own_feature f ON f.country_code = k.country_code
    LEFT JOIN corrections c ON c.country_code = k.country_code
)
SELECT
    country_code,
    country_name,
    unlocode_country_name,
    iso_a3_code,
    continent,
    subregion,
    region_un,
    sovereign_name,
    has_polygon,
    polygon_country_code,
    coalesce(is_europe_corrected, coalesce(continent = 'Europe', false)) AS is_europe,
    CASE WHEN is_europe_corrected IS NOT NULL THEN 'correction'
         ELSE 'continent' END                                          AS is_europe_source,
    is_unlocode_code
FROM joined
ORDER BY country_code;
