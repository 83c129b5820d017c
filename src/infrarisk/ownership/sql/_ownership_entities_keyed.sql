-- _ownership_entities_keyed: the entities as the loader reads them, with the integer key the
-- integrate stage wrote (entity_no: 0.. in entity_id order, NULL where the id is NULL).
-- When the table lacks a number (made or edited after the integrate stage), _ownership_keys.sql
-- makes this view instead, with the numbers computed the same way.
CREATE OR REPLACE TEMP VIEW _ownership_entities_keyed AS
SELECT entity_id, entity_no, entity_type, jurisdiction_code, hq_country_code, source_id
FROM core_ownership__entities
