-- _ownership_edges (node numbers of _ownership_nodes): current links merged into one edge per owner and subject node, with
-- the interval spanning all their values and the best control rank (lower wins:
-- 0 majority, 1 direct parent, 2 stated control, 3 concession, 4 other control, 99 none).
-- Parameter $non_ownership: interest types that confer use or control but no ownership.
CREATE OR REPLACE TEMP TABLE _ownership_edges AS
WITH ranked AS (
    SELECT o.rowid AS src, s.rowid AS dst, l.share_min, l.share_max, l.link_id, l.interest_type, l.relationship,
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
)
SELECT src, dst, min(share_min) AS lo, max(share_max) AS hi, min(rank)::TINYINT AS rank,
       NOT coalesce(list_contains($non_ownership, arg_min_null(interest_type, link_id)), false) AS is_economic,
       bool_and(coalesce(relationship IN ('ultimate parent', 'indirect interest'), false)) AS is_ultimate_only
FROM ranked
GROUP BY src, dst
ORDER BY dst, src
