-- _ownership_nodes: the node tables of the link graph, from the numbers the loader gives
-- (registered Arrow tables _ownership_entity_node_arrow(entity_no, node) for the entities
-- with a current link, in entity_no — that is id — order, and _ownership_asset_node_arrow
-- (node_id, node) for the assets with an ownership link, by id, after them):
-- _ownership_entity_node and _ownership_asset_node map keys to node numbers;
-- _ownership_edge_nodes holds the ids of those nodes, numbered by rowid (insertion order).
-- The other entities follow them as nodes (no figure depends on their number).
CREATE OR REPLACE TEMP TABLE _ownership_entity_node AS
SELECT entity_no, node FROM _ownership_entity_node_arrow;

CREATE OR REPLACE TEMP TABLE _ownership_asset_node AS
SELECT node_id AS asset_id, node FROM _ownership_asset_node_arrow;

CREATE OR REPLACE TEMP TABLE _ownership_edge_nodes AS
SELECT node_id, is_asset FROM _ownership_edge_nodes_arrow
