-- _ownership_ranked_links: every current link, with its integer keys (_ownership_links_keyed)
-- and its control rank (lower wins: 0 majority, 1 direct parent, 2 stated control,
-- 3 concession, 4 other control, 99 none). The one place that ranks control; the loader's
-- edges (_ownership_edge_rows) and the link index (_ownership_edge_link_rows) read it.
CREATE OR REPLACE TEMP VIEW _ownership_ranked_links AS
SELECT *,
       CASE WHEN NOT is_control THEN 99
            WHEN starts_with(coalesce(control_basis, ''), 'majority') THEN 0
            WHEN relationship = 'direct parent' THEN 1
            WHEN is_control_stated THEN 2
            WHEN interest_type = 'concession' THEN 3
            ELSE 4 END AS rank
FROM _ownership_links_keyed
WHERE is_current
