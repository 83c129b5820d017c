-- _ownership_edge_rows: the current links the loader merges into edges (one per owner and
-- subject node), read into Arrow: the owner's entity_no, the subject's entity_no or, for an
-- asset, its node number (_ownership_asset_node; -1 where none), the share interval, the
-- control rank (_ownership_ranked_links), whether the link's interest is economic and whether
-- it is an ultimate-parent or indirect statement, and the link_id (the first link of an edge
-- by link_id tells whether the edge is economic).
-- Parameter $non_ownership: interest types that confer use or control but no ownership.
SELECT owner_no, subject_no, -1 AS asset_node, share_min, share_max, rank,
       NOT coalesce(list_contains($non_ownership, interest_type), false) AS is_economic,
       coalesce(relationship IN ('ultimate parent', 'indirect interest'), false) AS is_ultimate, link_id
FROM _ownership_ranked_links
WHERE owner_no IS NOT NULL AND subject_no IS NOT NULL
UNION ALL
SELECT l.owner_no, -1, a.node, l.share_min, l.share_max, l.rank,
       NOT coalesce(list_contains($non_ownership, l.interest_type), false),
       coalesce(l.relationship IN ('ultimate parent', 'indirect interest'), false), l.link_id
FROM _ownership_ranked_links l
JOIN _ownership_asset_node a ON a.asset_id = l.subject_id
WHERE l.subject_kind = 'asset' AND l.owner_no IS NOT NULL
