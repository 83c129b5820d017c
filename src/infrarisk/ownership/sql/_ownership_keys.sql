-- _ownership_keys: the integer keys computed here, for tables that lack them or miss a number
-- (made or edited after the integrate stage): entity_no 0.. in entity_id order, as
-- sql/integrate/core_ownership__entities.sql numbers them; then _ownership_entities_keyed and
-- _ownership_links_keyed as views that join them on the ids (slower: text joins).
CREATE OR REPLACE TEMP TABLE _ownership_keys AS
SELECT entity_id, row_number() OVER (ORDER BY entity_id) - 1 AS entity_no
FROM core_ownership__entities
WHERE entity_id IS NOT NULL;

CREATE OR REPLACE TEMP VIEW _ownership_entities_keyed AS
SELECT e.entity_id, k.entity_no, e.entity_type, e.jurisdiction_code, e.hq_country_code, e.source_id
FROM core_ownership__entities e
LEFT JOIN _ownership_keys k ON k.entity_id = e.entity_id;

CREATE OR REPLACE TEMP VIEW _ownership_links_keyed AS
SELECT l.link_id, l.subject_kind, l.subject_id, l.owner_entity_id, o.entity_no AS owner_no,
       CASE WHEN l.subject_kind <> 'asset' THEN s.entity_no END AS subject_no, l.interest_type, l.relationship,
       l.share_min, l.share_max, l.is_current, l.is_control, l.is_control_stated, l.control_basis
FROM core_ownership__links l
LEFT JOIN _ownership_keys o ON o.entity_id = l.owner_entity_id
LEFT JOIN _ownership_keys s ON s.entity_id = l.subject_id
