-- _ownership_nodes: the nodes of the link graph that edges touch, numbered by rowid
-- (insertion order) in _ownership_edge_nodes: first every entity with a current link, by
-- id; then every asset with an ownership link, by id. So among nodes with edges a lower
-- number is a lower id (ties break on the id), and only those are sorted. The other
-- entities follow them (_ownership_other_nodes.sql, read straight into Arrow: no figure
-- depends on their number, and a table of millions of ids would only be written to be read).
-- Parameter $country_attribute: 'jurisdiction' or 'hq' — which country counts as an
-- entity's own (a state's is always its jurisdiction).
CREATE OR REPLACE TEMP TABLE _ownership_linked AS
SELECT owner_entity_id AS entity_id FROM core_ownership__links WHERE is_current
UNION
SELECT subject_id FROM core_ownership__links WHERE is_current AND subject_kind = 'entity';

CREATE OR REPLACE TEMP TABLE _ownership_edge_nodes AS
SELECT entity_id AS node_id, false AS is_asset,
       CASE WHEN entity_type IN ('state', 'state_body') OR $country_attribute = 'jurisdiction'
            THEN coalesce(jurisdiction_code, hq_country_code)
            ELSE coalesce(hq_country_code, jurisdiction_code) END AS own_country,
       entity_type IN ('state', 'state_body') AS is_state,
       entity_type = 'listed_company' AS is_listed,
       coalesce(source_id = 'curated', false) AS is_curated
FROM core_ownership__entities
WHERE entity_id IN (SELECT entity_id FROM _ownership_linked)
ORDER BY entity_id;

INSERT INTO _ownership_edge_nodes
SELECT asset_id, true, country_code, false, false, false
FROM core_assets__assets
WHERE asset_id IN (SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset')
ORDER BY asset_id;
