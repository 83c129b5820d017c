-- review_facts (a query, no table): the hand-compiled facts (curated stakes and links, the owner
-- register's parent links) that hold or may come to hold today -- status current, unverified,
-- pending or awarded -- with their newest evidence and what the bands of the build rest on them:
--   n_inge2_ports  INGE2 ports (out_inge2__terminals) whose terminal's high or elevated band for a
--                  group uses the fact (on an evidence path or the control chain of a controlled asset);
--   n_high, n_elevated  assets whose band for a group is high / elevated and uses the fact;
--   n_control      assets whose control chain uses the fact (any band);
--   could_raise    a pending or awarded stake of a holder controlled from a country of a risk group
--                  ($risk_countries): if it completes it adds a stake from that group.
-- infrarisk.review flags the rows by age and ranks them by these columns.
WITH facts AS (
    SELECT l.link_id, l.subject_kind, l.subject_id, l.owner_entity_id, l.share_min, l.share_max, l.is_share_stated,
           l.status, l.is_current, l.as_of_date, l.evidence_date, l.evidence_precision, l.source_url, l.source_title,
           l.origin_file, l.origin_row, l.source_id
    FROM core_ownership__links l
    WHERE l.source_id IN ('curated', 'owners') AND l.status IN ('current', 'unverified', 'pending', 'awarded')
),
path_uses AS (
    SELECT DISTINCT unnest(e.link_ids) AS link_id, p.asset_id, p.group_id
    FROM out_exposure__evidence_paths p
    JOIN out_exposure__evidence_edges e USING (edge_id)
),
control_uses AS (
    SELECT DISTINCT unnest(e.link_ids) AS link_id, c.asset_id
    FROM out_exposure__evidence_control c
    JOIN out_exposure__evidence_edges e USING (edge_id)
),
uses AS (
    SELECT link_id, asset_id, group_id FROM path_uses
    UNION
    SELECT c.link_id, c.asset_id, g.group_id
    FROM control_uses c
    JOIN out_exposure__asset_groups g ON g.asset_id = c.asset_id AND g.is_controlled
),
banded AS (
    SELECT u.link_id, u.asset_id, g.band, t.port_asset_id
    FROM uses u
    JOIN out_exposure__asset_groups g ON g.asset_id = u.asset_id AND g.group_id = u.group_id
    LEFT JOIN out_inge2__terminals t ON t.asset_id = u.asset_id
    WHERE g.band IN ('high', 'elevated')
),
weights AS (
    SELECT link_id,
           count(DISTINCT port_asset_id) AS n_inge2_ports,
           count(DISTINCT asset_id) FILTER (WHERE band = 'high') AS n_high,
           count(DISTINCT asset_id) FILTER (WHERE band = 'elevated') AS n_elevated
    FROM banded
    GROUP BY link_id
),
control_weights AS (
    SELECT link_id, count(DISTINCT asset_id) AS n_control FROM control_uses GROUP BY link_id
)
SELECT
    f.link_id, f.subject_kind, f.subject_id,
    coalesce(a.name, se.entity_name, f.subject_id) AS subject_name,
    f.owner_entity_id, oe.entity_name AS owner_name, o.controlling_country_code AS owner_country_code,
    f.share_min, f.share_max, f.is_share_stated, f.status, f.is_current, f.as_of_date, f.evidence_date,
    f.evidence_precision, f.source_url, f.source_title, f.origin_file, f.origin_row, f.source_id,
    coalesce(w.n_inge2_ports, 0) AS n_inge2_ports, coalesce(w.n_high, 0) AS n_high,
    coalesce(w.n_elevated, 0) AS n_elevated, coalesce(cw.n_control, 0) AS n_control,
    f.status IN ('pending', 'awarded') AND list_contains($risk_countries, o.controlling_country_code) AS could_raise
FROM facts f
LEFT JOIN weights w USING (link_id)
LEFT JOIN control_weights cw USING (link_id)
LEFT JOIN core_assets__assets a ON f.subject_kind = 'asset' AND a.asset_id = f.subject_id
LEFT JOIN core_ownership__entities se ON f.subject_kind = 'entity' AND se.entity_id = f.subject_id
LEFT JOIN core_ownership__entities oe ON oe.entity_id = f.owner_entity_id
LEFT JOIN out_ownership__entities o ON o.entity_id = f.owner_entity_id
ORDER BY f.link_id
