-- out_exposure__landings: each landing station's exposure through the cables that land there.
-- TeleGeography does not say who owns or operates a landing station, so a station has no
-- ownership of its own (its band in out_exposure__assets stays 'unknown'); it is shown with
-- the band of the most exposed cable that lands there (ties: larger share, then cable id),
-- and counts as controlled from a high-risk country only if such a cable is.
CREATE OR REPLACE TABLE out_exposure__landings AS
WITH lands AS (
    SELECT DISTINCT l.landing_asset_id, l.cable_asset_id
    FROM core_cables__landings l
),
cables AS (
    SELECT
        d.landing_asset_id, d.cable_asset_id, e.name AS cable_name, e.band, e.band_group_label,
        e.share_min, e.share_max, e.is_controlled,
        CASE e.band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2
                    WHEN 'unknown' THEN 1 ELSE 0 END AS severity
    FROM lands d
    JOIN out_exposure__assets e ON e.asset_id = d.cable_asset_id
),
counts AS (
    -- one aggregate per station: the counts, the cables by severity DESC then id (a sorted list), and the most
    -- exposed cable, the least key of arg_min: severity DESC, share_min DESC (0 when NULL), cable id (no window)
    SELECT
        landing_asset_id,
        count(*)                                                    AS n_cables,
        count(*) FILTER (WHERE band IN ('high', 'elevated', 'low')) AS n_cables_exposed,
        count(*) FILTER (WHERE is_controlled)                       AS n_cables_controlled,
        list_transform(list_sort(list({'severity': -severity, 'no_cable': cable_asset_id IS NULL,
                                       'cable': cable_asset_id})), lambda x: x.cable) AS cable_asset_ids,
        arg_min({'band': band, 'band_group_label': band_group_label, 'cable_asset_id': cable_asset_id,
                 'cable_name': cable_name, 'share_min': share_min, 'share_max': share_max},
                {'severity': -severity, 'share': -coalesce(share_min, 0), 'no_cable': cable_asset_id IS NULL,
                 'cable': coalesce(cable_asset_id, '')}) AS w
    FROM cables
    GROUP BY landing_asset_id
)
SELECT
    c.landing_asset_id AS asset_id,
    c.n_cables,
    c.n_cables_exposed,
    c.n_cables_controlled,
    c.n_cables_controlled > 0                   AS is_controlled_via_cable,
    c.w.band                                    AS via_band,
    c.w.band_group_label                        AS via_group_label,
    c.w.cable_asset_id                          AS via_cable_asset_id,
    c.w.cable_name                              AS via_cable_name,
    c.w.share_min                               AS via_share_min,
    c.w.share_max                               AS via_share_max,
    'Lands ' || c.n_cables || ' cable(s); TeleGeography names no owner or operator of the station. '
        || 'Most exposed cable landing here: ' || c.w.cable_name || ' (' || c.w.band || ').' AS via_reason,
    c.cable_asset_ids
FROM counts c
ORDER BY asset_id;
