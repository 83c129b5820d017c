-- severity: error
-- tolerance: 0
-- why: a link points to an owner or subject that does not exist
SELECT l.link_id, l.owner_entity_id, l.subject_kind, l.subject_id
FROM core_ownership__links l
LEFT JOIN core_ownership__entities o ON o.entity_id = l.owner_entity_id
LEFT JOIN core_ownership__entities e ON l.subject_kind = 'entity' AND e.entity_id = l.subject_id
LEFT JOIN core_assets__assets a ON l.subject_kind = 'asset' AND a.asset_id = l.subject_id
WHERE o.entity_id IS NULL OR (e.entity_id IS NULL AND a.asset_id IS NULL)
ORDER BY l.link_id;
