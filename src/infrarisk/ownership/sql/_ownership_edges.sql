-- _ownership_edges (node numbers of _ownership_nodes): current links merged into one edge per owner and subject node, with
-- the interval spanning all their values and the best control rank (_ownership_ranked_links).
-- Parameter $non_ownership: interest types that confer use or control but no ownership.
CREATE OR REPLACE TEMP TABLE _ownership_edges AS
WITH ranked AS (
    SELECT * FROM _ownership_ranked_links
)
SELECT src, dst, min(share_min) AS lo, max(share_max) AS hi, min(rank)::TINYINT AS rank,
       NOT coalesce(list_contains($non_ownership, arg_min_null(interest_type, link_id)), false) AS is_economic,
       bool_and(coalesce(relationship IN ('ultimate parent', 'indirect interest'), false)) AS is_ultimate_only
FROM ranked
GROUP BY src, dst
ORDER BY dst, src
