-- _ownership_link_ends: every current link between nodes (entities with a current link,
-- assets with an ownership link), with the node numbers of its owner (src) and subject (dst):
-- entities join on their integer keys (_ownership_entity_node), assets on their ids
-- (_ownership_asset_node; few). Read by _ownership_edge_link_rows.
CREATE OR REPLACE TEMP VIEW _ownership_link_ends AS
SELECT o.node AS src, s.node AS dst, l.*
FROM _ownership_ranked_links l
JOIN _ownership_entity_node o ON o.entity_no = l.owner_no
JOIN _ownership_entity_node s ON s.entity_no = l.subject_no
UNION ALL
SELECT o.node, a.node, l.*
FROM _ownership_ranked_links l
JOIN _ownership_entity_node o ON o.entity_no = l.owner_no
JOIN _ownership_asset_node a ON a.asset_id = l.subject_id
WHERE l.subject_kind = 'asset'
