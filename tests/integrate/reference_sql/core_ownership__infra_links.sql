-- core_ownership__infra_links: ownership links of the layer assets, in the input columns of
-- core_ownership__links (which adds status, bounds and control to them):
--   curated telecom stakes (curated/telecom_stakes.csv), as recorded;
--   cable owners (TeleGeography, June 2021): each owner named for a cable, resolved to its entity
--     (core_match__mentions; placeholders make no link). A consortium publishes no shares: a member's
--     share is undisclosed (an interval from 0). Where TeleGeography lists a single owner (in both its owner
--     files) and its notes
--     do not mention undisclosed owners, that owner holds the whole system (100%);
--   GEM owners and parents (May 2024): the counted rows of core_gem__stakes (the parent rows of an asset
--     with named parents, else its owner rows), resolved to entities; rows of one level naming the same
--     entity are one link whose share is their sum (undisclosed if any of them is). Where GEM names a
--     single holder (one counted row, no placeholder) without a share, it holds the whole asset (100%),
--     as for a cable with a single owner.
--   census stakes (census/stakes.csv): each holder resolved to its entity (core_match__mentions), on the
--     terminal asset the census terminal is (core_assets__census_map). Curated rows win: a census row on a curated
--     terminal whose holder the curated stakes already name, or that reuses a curated row (cites its S- id), makes no
--     link (a differing value is listed in core_ownership__stake_conflicts); a concession row without a share names
--     the landlord or grantor, no holding, and makes no link;
--   census holders' parents (census/holders.csv): holder -> parent with the parent's share (undisclosed where
--     blank), both names resolved like the stakes' holders; not for a holder whose parents the curated parent
--     links or the owner register record (they win).
-- A stake without a source does not exist: a cable links to its TeleGeography page, a GEM row to its
-- GEM.wiki page.
CREATE OR REPLACE TABLE core_ownership__infra_links AS
WITH telecom AS (
    SELECT
        s.stake_id AS link_id, 'asset' AS subject_kind, a.asset_id AS subject_id,
        s.asset_name AS subject_key, s.owner_entity_id, s.interest_type, CAST(NULL AS VARCHAR) AS relationship,
        s.share_fraction, CAST(NULL AS DOUBLE) AS range_min, CAST(NULL AS DOUBLE) AS range_max,
        CAST(NULL AS VARCHAR) AS range_reason, CAST(NULL AS VARCHAR) AS range_source_url,
        s.is_control_kind, s.status, CAST(s.as_of_date AS DATE) AS as_of_date, s.as_of_precision,
        s.source_url, s.source_title, s.note, CAST(NULL AS VARCHAR) AS correction_reason, s.origin_file, s.origin_row
    FROM core_curated__telecom_stakes s
    JOIN core_assets__infra a ON a.source_id = 'curated' AND a.name = s.asset_name  -- the telecom asset's id
),
cable_owner AS (
    SELECT
        o.asset_id, o.cable_id, m.entity_id,
        min(o.origin_row) AS origin_row, any_value(o.origin_file) AS origin_file,
        string_agg(DISTINCT o.owner_name, '; ' ORDER BY o.owner_name) AS names_as_written
    FROM core_cables__owner_mentions o
    JOIN core_match__mentions m ON m.file = o.origin_file AND m.row = o.origin_row AND m.name = o.owner_name
    WHERE m.entity_id IS NOT NULL
    GROUP BY ALL
),
cable_shape AS (
    SELECT s.asset_id, s.cable_id, s.name, s.notes, s.n_owners, count(c.entity_id) AS n_owner_entities,
           (SELECT count(*) FROM core_cables__owner_mentions x WHERE x.asset_id = s.asset_id) AS n_named
    FROM core_cables__systems s
    LEFT JOIN cable_owner c USING (asset_id)
    GROUP BY ALL
),
cables AS (
    SELECT
        'CBL-' || left(md5(c.asset_id || '|' || c.entity_id), 10), 'asset', c.asset_id, c.cable_id, c.entity_id,
        CASE WHEN sole THEN 'shareholding' ELSE 'consortium_membership' END, NULL,
        CASE WHEN sole THEN 1.0 END, NULL, NULL, NULL, NULL,
        false, 'current', DATE '2021-06-29', 'day',
        'https://www.submarinecablemap.com/submarine-cable/' || c.cable_id,
        'TeleGeography, June 2021: ' || s.name,
        CASE WHEN sole THEN 'the only owner TeleGeography lists' ELSE 'consortium member; shares not published' END
            || ' (as written: ' || c.names_as_written || ')',
        NULL, c.origin_file, c.origin_row
    FROM cable_owner c
    JOIN (SELECT *, n_owners = 1 AND n_owner_entities = 1 AND n_named = 1
                    AND coalesce(notes, '') NOT ILIKE '%other owners%' AS sole
          FROM cable_shape) s USING (asset_id)
),
gem_rows AS (
    SELECT s.*, m.entity_id
    FROM core_gem__stakes s
    JOIN core_match__mentions m ON m.file = s.origin_file AND m.row = s.origin_row
    WHERE s.is_counted AND m.entity_id IS NOT NULL
),
gem_agg AS (
    SELECT
        asset_id, gem_asset_id, level, entity_id,
        min(position) AS position, min(origin_row) AS origin_row, any_value(origin_file) AS origin_file,
        CASE WHEN bool_and(share_fraction IS NOT NULL) THEN sum(share_fraction ORDER BY position) END AS share_fraction,
        string_agg(entity_as_written, '; ' ORDER BY position) AS as_written,
        any_value(detail_url) AS detail_url
    FROM gem_rows
    GROUP BY asset_id, gem_asset_id, level, entity_id
),
gem_counted AS (
    -- how many holders GEM names for the asset at the counted level (placeholders and unmatched names too)
    SELECT asset_id, count(*) AS n_counted FROM core_gem__stakes WHERE is_counted GROUP BY asset_id
),
gem AS (
    SELECT
        'GEM-' || gem_asset_id || '-' || level || '-' || position, 'asset', asset_id, gem_asset_id, entity_id,
        'shareholding', NULL,
        CASE WHEN share_fraction IS NULL AND n_counted = 1 THEN 1.0 ELSE share_fraction END, NULL, NULL, NULL, NULL,
        false, 'current', DATE '2024-05-01', 'month',
        coalesce(detail_url, 'https://globalenergymonitor.org/projects/europe-gas-tracker/'),
        'GEM Europe Gas Tracker, May 2024 (' || level || ')',
        'GEM ' || level || ': ' || as_written
            || CASE WHEN level = 'parent' THEN ' (a parent''s share of the asset, looked through by GEM)' ELSE '' END
            || CASE WHEN share_fraction IS NULL AND n_counted = 1
                    THEN '; the only holder GEM names, no share stated: taken as holding the whole asset' ELSE '' END,
        NULL, origin_file, origin_row
    FROM gem_agg
    JOIN gem_counted USING (asset_id)
),
curated_holders AS (
    SELECT DISTINCT t.asset_id, s.owner_entity_id
    FROM core_curated__stakes s
    JOIN core_assets__terminals t ON t.name = s.asset_name AND t.source_id = 'curated'
),
census_rows AS (
    -- every census stake that can become a link (a row a later worksheet withdrew as a mistake never does)
    SELECT
        s.stake_id, 'asset' AS subject_kind, m.asset_id, s.terminal_id, mm.entity_id, s.interest_type, NULL AS relationship,
        s.share_fraction, NULL AS range_min, NULL AS range_max, NULL AS range_reason, NULL AS range_source_url,
        s.is_control_kind, s.status, s.as_of_date, s.as_of_precision,
        s.source_url, 'Census of container terminals: ' || s.terminal || ' (' || s.holder || ')' AS source_title,
        s.note, NULL AS correction_reason, s.origin_file, s.origin_row,
        s.status IN ('current', 'unverified') AND coalesce(s.share_fraction, 1) > 0 AS is_held_today
    FROM core_census__stakes s
    JOIN core_assets__census_map m ON m.terminal_id = s.terminal_id AND m.asset_id IS NOT NULL
    JOIN core_match__mentions mm ON mm.file = s.origin_file AND mm.row = s.origin_row AND mm.name = s.holder
    WHERE mm.entity_id IS NOT NULL AND s.status <> 'withdrawn'
      AND NOT (s.interest_type = 'concession' AND s.share_fraction IS NULL)
      AND (m.is_new OR s.cited_stake_ids IS NULL)
      AND NOT EXISTS (SELECT 1 FROM curated_holders c WHERE c.asset_id = m.asset_id AND c.owner_entity_id = mm.entity_id)
),
census AS (
    -- a past holding (exited, historical, pending, 0%) only of a holder that holds something today through a
    -- census row that becomes a link, or is curated: the resolved scope holds the assets' current holders and
    -- the curated entities
    SELECT * EXCLUDE (is_held_today)
    FROM census_rows r
    WHERE r.is_held_today
       OR r.entity_id IN (SELECT entity_id FROM core_curated__entities)
       OR r.entity_id IN (SELECT entity_id FROM census_rows WHERE is_held_today)
),
census_parent AS (
    -- census/holders.csv: a holder's parent and its share, where the curated parent links and the owner
    -- register say nothing of the holder's parents (they win)
    SELECT
        'CH-' || left(md5(h.origin_file || '|' || h.origin_row), 10), 'entity', c.entity_id, c.entity_id, p.entity_id,
        'shareholding', NULL, h.parent_share_fraction, NULL, NULL, NULL, NULL,
        false, 'current', CAST(h.source_date AS DATE), 'day',
        h.source_url, 'Census of container terminals: holder ' || h.holder || ', parent ' || h.parent,
        h.note, NULL, h.origin_file, h.origin_row
    FROM core_census__holders h
    JOIN core_match__mentions c ON c.file = h.origin_file AND c.row = h.origin_row AND c.column_name = 'holder'
    JOIN core_match__mentions p ON p.file = h.origin_file AND p.row = h.origin_row AND p.column_name = 'parent'
    WHERE h.parent IS NOT NULL AND c.entity_id IS NOT NULL AND p.entity_id IS NOT NULL AND c.entity_id <> p.entity_id
      AND c.entity_id NOT IN (SELECT subject_entity_id FROM core_curated__parent_links)
      AND c.entity_id NOT IN (SELECT child_entity_id FROM core_match__owner_links)
),
unioned AS (
    SELECT * FROM telecom
    UNION ALL SELECT * FROM census
    UNION ALL SELECT * FROM census_parent
    UNION ALL SELECT * FROM cables
    UNION ALL SELECT * FROM gem
)
SELECT
    CAST(link_id AS VARCHAR) AS link_id, CAST(subject_kind AS VARCHAR) AS subject_kind,
    CAST(subject_id AS VARCHAR) AS subject_id, CAST(subject_key AS VARCHAR) AS subject_key,
    CAST(owner_entity_id AS VARCHAR) AS owner_entity_id, CAST(interest_type AS VARCHAR) AS interest_type,
    CAST(relationship AS VARCHAR) AS relationship, CAST(share_fraction AS DOUBLE) AS share_fraction,
    CAST(range_min AS DOUBLE) AS range_min, CAST(range_max AS DOUBLE) AS range_max,
    CAST(range_reason AS VARCHAR) AS range_reason, CAST(range_source_url AS VARCHAR) AS range_source_url,
    CAST(is_control_kind AS BOOLEAN) AS is_control_kind, CAST(status AS VARCHAR) AS status,
    CAST(as_of_date AS DATE) AS as_of_date, CAST(as_of_precision AS VARCHAR) AS as_of_precision,
    CAST(source_url AS VARCHAR) AS source_url, CAST(source_title AS VARCHAR) AS source_title,
    CAST(note AS VARCHAR) AS note, CAST(correction_reason AS VARCHAR) AS correction_reason,
    CAST(origin_file AS VARCHAR) AS origin_file, CAST(origin_row AS BIGINT) AS origin_row
FROM unioned
ORDER BY link_id;
