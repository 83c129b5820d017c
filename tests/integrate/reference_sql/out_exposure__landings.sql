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
    SELECT
        landing_asset_id,
        count(*)                                                    AS n_cables,
        count(*) FILTER (WHERE band IN ('high', 'elevated', 'low')) AS n_cables_exposed,
        count(*) FILTER (WHERE is_controlled)                       AS n_cables_controlled,
        list(cable_asset_id ORDER BY severity DESC, cable_asset_id) AS cable_asset_ids
    FROM cables
    GROUP BY landing_asset_id
),
worst AS (
    SELECT *
    FROM cables
    QUALIFY row_number() OVER (PARTITION BY landing_asset_id
                               ORDER BY severity DESC, coalesce(share_min, 0) DESC, cable_asset_id) = 1
)
SELECT
    c.landing_asset_id AS asset_id,
    c.n_cables,
    c.n_cables_exposed,
    c.n_cables_controlled,
    c.n_cables_controlled > 0                   AS is_controlled_via_cable,
    w.band                                      AS via_band,
    w.band_group_label                          AS via_group_label,
    w.cable_asset_id                            AS via_cable_asset_id,
    w.cable_name                                AS via_cable_name,
    w.share_min                                 AS via_share_min,
    w.share_max                                 AS via_share_max,
    'Lands ' || c.n_cables || ' cable(s); TeleGeography names no owner or operator of the station. '
        || 'Most exposed cable landing here: ' || w.cable_name || ' (' || w.band || ').' AS via_reason,
    c.cable_asset_ids
FROM counts c
JOIN worst w USING (landing_asset_id)
ORDER BY asset_id;
