-- severity: warning
-- tolerance: 0
-- why: the current stakes recorded in one subject add up to more than 100% (beyond the tolerance)
WITH pair AS (
    SELECT subject_kind, subject_id, owner_entity_id, min(share_min) AS share_min
    FROM core_ownership__links
    WHERE is_current AND interest_type NOT IN ('operating_contract', 'tenancy')
    GROUP BY ALL
)
SELECT subject_kind, subject_id, round(sum(share_min ORDER BY owner_entity_id) * 100, 4) AS total_pct, count(*) AS holders
FROM pair
GROUP BY ALL
HAVING sum(share_min) > 1 + getvariable('share_sum_tolerance')
ORDER BY subject_kind, subject_id;
