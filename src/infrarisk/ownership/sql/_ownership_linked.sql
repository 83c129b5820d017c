-- _ownership_linked: the entity_no of every entity with a current link (as owner, or as an
-- entity subject; repeated, NULL where the id names no entity), and whether a current link
-- names a party without an id (is_null_party): then, as with SQL's IN / NOT IN, no entity
-- without a current link is a node. Read into Arrow by the loader.
SELECT owner_no AS entity_no, owner_entity_id IS NULL AS is_null_party
FROM _ownership_links_keyed WHERE is_current
UNION ALL
SELECT subject_no, subject_id IS NULL
FROM _ownership_links_keyed WHERE is_current AND subject_kind = 'entity'
