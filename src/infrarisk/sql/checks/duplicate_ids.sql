-- severity: error
-- tolerance: 0
-- why: ids must be unique in the core tables
SELECT 'asset' AS kind, asset_id AS id, count(*) AS n FROM core_assets__assets GROUP BY asset_id HAVING count(*) > 1
UNION ALL
SELECT 'entity', entity_id, count(*) FROM core_ownership__entities GROUP BY entity_id HAVING count(*) > 1
UNION ALL
SELECT 'link', link_id, count(*) FROM core_ownership__links GROUP BY link_id HAVING count(*) > 1
ORDER BY 1, 2;
