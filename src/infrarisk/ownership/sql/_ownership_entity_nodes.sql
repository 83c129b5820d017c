-- _ownership_entity_nodes: every entity once, with what a node needs and whether it has a
-- current link (is_linked; NULL where the id is NULL or the linked ids hold a NULL: such
-- an entity is no node, as with IN / NOT IN). Read into Arrow: the linked ones become
-- _ownership_edge_nodes (sorted there), the others (is_linked false) follow them.
-- Parameter $country_attribute: 'jurisdiction' or 'hq' — which country counts as an
-- entity's own (a state's is always its jurisdiction).
SELECT entity_id AS node_id,
       CASE WHEN entity_type IN ('state', 'state_body') OR $country_attribute = 'jurisdiction'
            THEN coalesce(jurisdiction_code, hq_country_code)
            ELSE coalesce(hq_country_code, jurisdiction_code) END AS own_country,
       entity_type IN ('state', 'state_body') AS is_state,
       entity_type = 'listed_company' AS is_listed,
       coalesce(source_id = 'curated', false) AS is_curated,
       entity_id IN (SELECT entity_id FROM _ownership_linked) AS is_linked
FROM core_ownership__entities
