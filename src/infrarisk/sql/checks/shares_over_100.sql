-- severity: warning
-- tolerance: 0
-- why: the current stakes recorded in one subject add up to more than 100% (beyond the tolerance)
-- {non_economic_interest_types}: the interests vocab/interest_types.csv does not count as shares (filled in by checks.py)
-- $share_sum_tolerance: the setting share_sum_tolerance (a parameter passed by the pipeline)
WITH pair AS (
    SELECT subject_kind, subject_id, owner_entity_id, min(share_min) AS share_min
    FROM core_ownership__links
    WHERE is_current AND interest_type NOT IN {non_economic_interest_types}
    GROUP BY ALL
)
SELECT subject_kind, subject_id, round(sum(share_min ORDER BY owner_entity_id) * 100, 4) AS total_pct, count(*) AS holders
FROM pair
GROUP BY ALL
HAVING sum(share_min) > 1 + $share_sum_tolerance
ORDER BY subject_kind, subject_id;
