-- out_exposure__countries: the country summary behind the choropleth, one row per European
-- country (every one, also those without assets): how many critical assets lie in or serve it,
-- how many are controlled from a high-risk country other than itself (the choropleth's value:
-- foreign means foreign), how many from a high-risk group it belongs to (domestic control, shown
-- apart), and how many are in each band (the foreign reading, out_exposure__country_assets).
CREATE OR REPLACE TABLE out_exposure__countries AS
WITH counts AS (
    SELECT
        country_code,
        count(*)                                          AS n_assets,
        count(*) FILTER (WHERE is_controlled_high_risk)   AS n_controlled_high_risk,
        count(*) FILTER (WHERE is_controlled_domestic)    AS n_controlled_domestic,
        count(*) FILTER (WHERE band = 'high')             AS n_high,
        count(*) FILTER (WHERE band = 'elevated')         AS n_elevated,
        count(*) FILTER (WHERE band = 'low')              AS n_low,
        count(*) FILTER (WHERE band = 'none')             AS n_none,
        count(*) FILTER (WHERE band = 'unknown')          AS n_unknown,
        bool_or(is_noncommercial)                         AS has_noncommercial
    FROM out_exposure__country_assets
    GROUP BY country_code
)
SELECT
    g.country_code,
    g.country_name,
    coalesce(c.n_assets, 0)                 AS n_assets,
    coalesce(c.n_controlled_high_risk, 0)   AS n_controlled_high_risk,
    coalesce(c.n_controlled_domestic, 0)    AS n_controlled_domestic,
    coalesce(c.n_high, 0)                   AS n_high,
    coalesce(c.n_elevated, 0)               AS n_elevated,
    coalesce(c.n_low, 0)                    AS n_low,
    coalesce(c.n_none, 0)                   AS n_none,
    coalesce(c.n_unknown, 0)                AS n_unknown,
    coalesce(c.has_noncommercial, false)    AS has_noncommercial,
    g.has_polygon,
    g.polygon_country_code
FROM core_geo__countries g
LEFT JOIN counts c USING (country_code)
WHERE g.is_europe
ORDER BY g.country_code;
