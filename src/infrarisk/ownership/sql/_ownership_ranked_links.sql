-- _ownership_ranked_links: every current link between nodes of _ownership_edge_nodes, with the
-- node numbers of its owner (src) and subject (dst) and its control rank (lower wins:
-- 0 majority, 1 direct parent, 2 stated control, 3 concession, 4 other control, 99 none).
-- The one place that ranks control; _ownership_edges and _ownership_edge_links read it.
CREATE OR REPLACE TEMP VIEW _ownership_ranked_links AS
SELECT o.rowid AS src, s.rowid AS dst, l.*,
       CASE WHEN NOT l.is_control THEN 99
            WHEN starts_with(coalesce(l.control_basis, ''), 'majority') THEN 0
            WHEN l.relationship = 'direct parent' THEN 1
            WHEN l.is_control_stated THEN 2
            WHEN l.interest_type = 'concession' THEN 3
            ELSE 4 END AS rank
FROM core_ownership__links l
JOIN _ownership_edge_nodes o ON o.node_id = l.owner_entity_id AND NOT o.is_asset
JOIN _ownership_edge_nodes s ON s.node_id = l.subject_id AND s.is_asset = (l.subject_kind = 'asset')
WHERE l.is_current
