-- severity: error
-- tolerance: 0
-- why: every terminal must be placeable on the map (its own position or its port's)
SELECT asset_id, name, unlocode, country_code
FROM core_assets__assets
WHERE (latitude IS NULL OR longitude IS NULL)
  AND asset_class = 'terminal'
ORDER BY asset_id;
