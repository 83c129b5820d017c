-- _ownership_edge_links: the link index of the edges into the nodes of table _scope_nodes
-- (node numbers of _ownership_nodes): per merged edge, its current links in link_id order
-- and what evidence shows of them (control basis of the best-ranked link, whether the
-- links disagree on the share, the first link's interest type).
CREATE OR REPLACE TEMP TABLE _ownership_edge_links AS
WITH ranked AS (
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
    WHERE l.is_current AND s.rowid IN (SELECT node FROM _scope_nodes)
)
SELECT src, dst, bool_or(is_control) AS is_control,
       (list(control_basis ORDER BY rank, link_id))[1] AS control_basis,
       list(link_id ORDER BY link_id) AS link_ids,
       count(DISTINCT [share_min, share_max]) > 1 AS is_conflict,
       (list(interest_type ORDER BY link_id))[1] AS interest_type
FROM ranked
GROUP BY src, dst
ORDER BY dst, src
