-- _ownership_other_nodes: the entities without a current link, after the nodes of
-- _ownership_edge_nodes (numbers continue in the order of this query's rows; it is read
-- once, into Arrow, and no figure depends on these numbers). Columns as _ownership_edge_nodes.
-- Parameter $country_attribute: as in _ownership_nodes.sql.
SELECT entity_id AS node_id, false AS is_asset,
       CASE WHEN entity_type IN ('state', 'state_body') OR $country_attribute = 'jurisdiction'
            THEN coalesce(jurisdiction_code, hq_country_code)
            ELSE coalesce(hq_country_code, jurisdiction_code) END AS own_country,
       entity_type IN ('state', 'state_body') AS is_state,
       entity_type = 'listed_company' AS is_listed,
       coalesce(source_id = 'curated', false) AS is_curated
FROM core_ownership__entities
WHERE entity_id NOT IN (SELECT entity_id FROM _ownership_linked)
