-- _ownership_nodes: the nodes of the link graph that edges touch, numbered by rowid
-- (insertion order) in _ownership_edge_nodes: first every entity with a current link, by
-- id; then every asset with an ownership link, by id. So among nodes with edges a lower
-- number is a lower id (ties break on the id), and only those are sorted. The other
-- entities follow them, in the order of _ownership_entity_nodes.sql (no figure depends on
-- their number, and a table of millions of ids would only be written to be read).
-- Reads _ownership_entity_nodes_arrow: every entity, read once (_ownership_entity_nodes.sql),
-- between the first statement and the second.
CREATE OR REPLACE TEMP TABLE _ownership_linked AS
SELECT owner_entity_id AS entity_id FROM core_ownership__links WHERE is_current
UNION
SELECT subject_id FROM core_ownership__links WHERE is_current AND subject_kind = 'entity';

CREATE OR REPLACE TEMP TABLE _ownership_edge_nodes AS
SELECT node_id, false AS is_asset, own_country, is_state, is_listed, is_curated
FROM _ownership_entity_nodes_arrow
WHERE is_linked
ORDER BY node_id;

INSERT INTO _ownership_edge_nodes
SELECT asset_id, true, country_code, false, false, false
FROM core_assets__assets
WHERE asset_id IN (SELECT subject_id FROM core_ownership__links WHERE subject_kind = 'asset')
ORDER BY asset_id;
