-- _ownership_members_complete: the assets (node numbers of _ownership_edge_nodes) whose
-- listed holders are the whole ownership, their split (or part of it) undisclosed:
--   * every current economic link into the asset is a consortium membership (a cable's
--     owners, TeleGeography), or
--   * every current economic link into the asset is a holder Global Energy Monitor names for
--     it (source_id 'gem-europe-gas') and at least one of them has no stated share: GEM lists
--     the holders and gives a share where it knows one, so a holder without a share holds
--     what the stated shares leave (its share is undisclosed, not its existence);
-- and in both cases the source names no unnamed holder for the asset (a placeholder owner —
-- "n.a.", "Other", "Private investors", "unknown" — in core_match__mentions, tied to the asset
-- through the cable owner row or the GEM row it was read from). A GEM asset whose shares are
-- all stated is not in the table: what they leave is untraced (nobody named holds it).
-- Such an asset keeps no untraced share of its own; each holder's own untraced share still
-- counts, and each holder counts with up to its whole undisclosed share in the worst case.
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
    OR (bool_and(coalesce(l.source_id = 'gem-europe-gas', false))
        AND bool_or(NOT coalesce(l.is_share_stated, true)))
ORDER BY node
