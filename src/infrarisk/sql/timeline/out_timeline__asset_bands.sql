-- out_timeline__asset_bands: each asset's band on [valid_from, valid_to), sparse (infrarisk.timeline).
-- Reads the tables registered by the stage: _timeline_computed, the events where an asset's figures
-- were computed, with them (asset_id, valid_from, band, group_id, share_min, share_max, is_controlled;
-- shares rounded to 9 decimals); _timeline_kept (asset_id, valid_from), the events where an asset is
-- back to today's figures, which _timeline_today gives (asset_id and the figures, rounded the same).
-- Consecutive rows of an asset with the same figures are one interval; valid_to is the next
-- interval's start (NULL: up to the build date). Only the assets with an interval whose figures differ
-- from today's (out_exposure__assets, shares rounded to 9 decimals) are kept.
CREATE OR REPLACE TABLE out_timeline__asset_bands AS
WITH dense AS (
    SELECT asset_id, valid_from, band, group_id, share_min, share_max, is_controlled FROM _timeline_computed
    UNION ALL
    SELECT k.asset_id, k.valid_from, t.band, t.group_id, t.share_min, t.share_max, t.is_controlled
    FROM _timeline_kept k JOIN _timeline_today t USING (asset_id)
),
marked AS (
    SELECT *,
           lag(valid_from) OVER w IS NULL
           OR band IS DISTINCT FROM lag(band) OVER w OR group_id IS DISTINCT FROM lag(group_id) OVER w
           OR share_min IS DISTINCT FROM lag(share_min) OVER w OR share_max IS DISTINCT FROM lag(share_max) OVER w
           OR is_controlled IS DISTINCT FROM lag(is_controlled) OVER w AS starts
    FROM dense
    WINDOW w AS (PARTITION BY asset_id ORDER BY valid_from)
),
intervals AS (
    SELECT asset_id, valid_from, lead(valid_from) OVER (PARTITION BY asset_id ORDER BY valid_from) AS valid_to,
           band, group_id, share_min, share_max, is_controlled
    FROM marked
    WHERE starts
),
differs AS (
    SELECT DISTINCT i.asset_id
    FROM intervals i
    LEFT JOIN out_exposure__assets t ON t.asset_id = i.asset_id
    WHERE i.band IS DISTINCT FROM t.band OR i.group_id IS DISTINCT FROM t.band_group_id
       OR i.share_min IS DISTINCT FROM round(t.share_min, 9) OR i.share_max IS DISTINCT FROM round(t.share_max, 9)
       OR i.is_controlled IS DISTINCT FROM t.is_controlled
)
SELECT asset_id, valid_from, valid_to, band, group_id, share_min, share_max, is_controlled
FROM intervals
WHERE asset_id IN (SELECT asset_id FROM differs)
ORDER BY asset_id, valid_from;
