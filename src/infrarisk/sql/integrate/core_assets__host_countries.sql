-- core_assets__host_countries: every country an asset lies in or serves, one row per asset and
-- country, for the country summary:
--   an asset with one country: that country ('located');
--   a GEM asset listed in several countries (cross-border pipelines): each of them ('crosses');
--   a cable system: each country where it has a landing station ('lands in').
CREATE OR REPLACE TABLE core_assets__host_countries AS
WITH single AS (
    SELECT asset_id, country_code, 'located' AS basis
    FROM core_assets__assets
    WHERE country_code IS NOT NULL
      AND asset_id NOT IN (SELECT asset_id FROM core_gem__asset_countries)
),
gem AS (
    SELECT asset_id, country_code, CASE WHEN count(*) OVER (PARTITION BY asset_id) > 1 THEN 'crosses' ELSE 'located' END
    FROM core_gem__asset_countries
),
cables AS (
    SELECT DISTINCT l.cable_asset_id, p.country_code, 'lands in'
    FROM core_cables__landings l
    JOIN core_cables__landing_points p ON p.asset_id = l.landing_asset_id
    WHERE p.country_code IS NOT NULL
)
SELECT * FROM single
UNION ALL SELECT * FROM gem
UNION ALL SELECT * FROM cables
ORDER BY asset_id, country_code;
