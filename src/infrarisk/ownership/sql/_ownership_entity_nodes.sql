-- _ownership_entity_nodes: every entity with a number once (_ownership_entities_keyed), with
-- what a node needs; read into Arrow by the loader, which numbers the nodes from entity_no.
-- Parameter $country_attribute: 'jurisdiction' or 'hq' — which country counts as an
-- entity's own (a state's is always its jurisdiction).
SELECT entity_no, entity_id AS node_id,
       CASE WHEN entity_type IN ('state', 'state_body') OR $country_attribute = 'jurisdiction'
            THEN coalesce(jurisdiction_code, hq_country_code)
            ELSE coalesce(hq_country_code, jurisdiction_code) END AS own_country,
       entity_type IN ('state', 'state_body') AS is_state,
       entity_type = 'listed_company' AS is_listed,
       coalesce(source_id = 'curated', false) AS is_curated
FROM _ownership_entities_keyed
WHERE entity_no IS NOT NULL
