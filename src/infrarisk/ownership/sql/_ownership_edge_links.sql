-- _ownership_edge_links: the link index of the edges into the nodes of table _scope_nodes
-- (node numbers of _ownership_link_ends): per merged edge, its current links in link_id order
-- and what evidence shows of them (control basis of the best-ranked link, whether the
-- links disagree on the share, the first link's interest type).
CREATE OR REPLACE TEMP TABLE _ownership_edge_links AS
WITH ranked AS (
    SELECT * FROM _ownership_link_ends WHERE dst IN (SELECT node FROM _scope_nodes)
)
SELECT src, dst, bool_or(is_control) AS is_control,
       (list(control_basis ORDER BY rank, link_id))[1] AS control_basis,
       list(link_id ORDER BY link_id) AS link_ids,
       count(DISTINCT [share_min, share_max]) > 1 AS is_conflict,
       (list(interest_type ORDER BY link_id))[1] AS interest_type
FROM ranked
GROUP BY src, dst
ORDER BY dst, src
