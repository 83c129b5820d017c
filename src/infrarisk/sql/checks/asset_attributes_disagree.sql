-- severity: warning
-- tolerance: 0
-- why: rows of one asset name disagree on its port, UN/LOCODE, country or type (the first row is used)
SELECT asset_name,
       count(DISTINCT coalesce(port_name, '')) AS port_names,
       count(DISTINCT coalesce(unlocode, '')) AS unlocodes,
       count(DISTINCT country_code) AS countries,
       count(DISTINCT asset_type) AS types
FROM core_curated__stakes
GROUP BY asset_name
HAVING count(DISTINCT coalesce(port_name, '')) > 1 OR count(DISTINCT coalesce(unlocode, '')) > 1
    OR count(DISTINCT country_code) > 1 OR count(DISTINCT asset_type) > 1
ORDER BY asset_name;
