-- _ownership_nodes: the nodes of the link graph, numbered by rowid: every entity by id,
-- then every asset that has an ownership link, by id (so a lower node is a lower id).
-- Parameter $country_attribute: 'jurisdiction' or 'hq' — which country counts as an
-- entity's own (a state's is always its jurisdiction).
CREATE OR REPLACE TEMP TABLE _ownership_nodes AS
SELECT * FROM (
    SELECT entity_id AS node_id, false AS is_asset,
           CASE WHEN entity_type IN ('state', 'state_body') OR $country_attribute = 'jurisdiction'
                THEN coalesce(jurisdiction_code, hq_country_code)
                ELSE coalesce(hq_country_code, jurisdiction_code) END AS own_country,
           entity_type IN ('state', 'state_body') AS is_state,
           entity_type = 'listed_company' AS is_listed,
           coalesce(source_id = 'ownership', false) AS is_curated
    FROM core_ownership__entities
    UNION ALL
    SELECT asset_id, true, country_code, false, false, false
    FROM core_assets__assets
    WHERE asset_id IN (SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset')
)
ORDER BY is_asset, node_id
