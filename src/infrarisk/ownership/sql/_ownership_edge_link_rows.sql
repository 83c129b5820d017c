-- _ownership_edge_link_rows: the current links into the nodes of the Arrow table
-- _ownership_scope_nodes (node numbers of _ownership_link_ends), read into Arrow by
-- infrarisk.ownership.load.edge_links, which makes the link index of each merged edge
-- (src, dst) from them: its links in link_id order, the control basis of its best-ranked
-- link, whether its links disagree on the share, its first link's interest type.
SELECT src, dst, link_id, rank, is_control, control_basis, share_min, share_max, interest_type
FROM _ownership_link_ends
WHERE dst IN (SELECT node FROM _ownership_scope_nodes)
ORDER BY dst, src, link_id
