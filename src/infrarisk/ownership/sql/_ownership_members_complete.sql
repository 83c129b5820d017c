-- _ownership_members_complete: the assets (node numbers of _ownership_edge_nodes) whose
-- listed members are the whole ownership, their split undisclosed: every current economic
-- link into the asset is a consortium membership and the source names no unnamed member
-- for it (a placeholder owner — "n.a.", "Other", "unknown" — in core_match__mentions, tied
-- to the asset through the cable owner row it was read from). Such an asset keeps no
-- untraced share of its own; each member's own untraced share still counts.
-- Parameter $non_ownership: interest types that confer use or control but no ownership.
-- Reads _ownership_placeholder_assets(asset_id): the assets with a placeholder owner.
CREATE OR REPLACE TEMP TABLE _ownership_members_complete AS
SELECT s.rowid AS node
FROM core_ownership__links l
JOIN _ownership_edge_nodes s ON s.node_id = l.subject_id AND s.is_asset
JOIN _ownership_edge_nodes o ON o.node_id = l.owner_entity_id AND NOT o.is_asset
WHERE l.is_current AND l.subject_kind = 'asset'
  AND NOT coalesce(list_contains($non_ownership, l.interest_type), false)
  AND l.subject_id NOT IN (SELECT asset_id FROM _ownership_placeholder_assets WHERE asset_id IS NOT NULL)
GROUP BY s.rowid
HAVING bool_and(coalesce(l.interest_type = 'consortium_membership', false))
ORDER BY node
