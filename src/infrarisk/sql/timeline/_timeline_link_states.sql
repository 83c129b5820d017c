-- _timeline_link_states: the state of every link on every date where a link of its subject can
-- change state, in one pass (infrarisk.timeline). The state is what integrate/core_ownership__links.sql
-- computes with $as_of_date = that date: is_current, share_min, share_max, is_control, control_basis.
-- The placeholder after WITH is replaced by that file's own CTEs from asset_links up to evidenced (one source of the
-- union of links and their evidence dates); below, its past-date rule with the date as a column.
-- A link's state is a step function of the date that can only step on a date of a link of its
-- subject (as_of, start, registry end, known, ended, end known), so those dates, and $first_date
-- (the earliest change date of all), are the dates evaluated per subject.
-- Parameters: $majority, $first_date, $until (dates after it are not evaluated).
-- (The key of a subject's state on a date, its current links' states as one text in link_id order, is
-- made by infrarisk.timeline.states.subject_states from this table, once per subject and date.)
CREATE OR REPLACE TEMP TABLE _timeline_link_states AS
WITH {evidenced},
subject_days AS (
    SELECT DISTINCT subject_kind, subject_id, day FROM (
        SELECT subject_kind, subject_id,
               unnest([as_of_date, start_date, registry_end_date, known_date, ended_date, end_known_date]) AS day
        FROM evidenced
        UNION ALL
        SELECT subject_kind, subject_id, CAST($first_date AS DATE) FROM evidenced)
    WHERE day IS NOT NULL AND day >= CAST($first_date AS DATE) AND day <= CAST($until AS DATE)
),
dated AS (
    SELECT u.*, d.day FROM evidenced u JOIN subject_days d USING (subject_kind, subject_id)
),
last_exit AS (
    SELECT subject_kind, subject_id, owner_entity_id, day, max(as_of_date) AS exit_date
    FROM dated
    WHERE status = 'exited' AND as_of_date <= day AND coalesce(known_date, as_of_date) <= day
    GROUP BY ALL
),
flagged AS (
    SELECT
        u.*,
        CASE
            WHEN u.is_registry THEN
                u.status = 'current' AND coalesce(u.share_fraction, u.range_max, 1) > 0
                AND (u.start_date IS NULL OR u.start_date <= u.day)
                AND (u.registry_end_date IS NULL OR u.registry_end_date > u.day)
            ELSE
                u.status IN ('current', 'unverified', 'historical') AND coalesce(u.share_fraction, 1) > 0
                AND (u.as_of_date IS NULL OR u.as_of_date <= u.day)
                AND (x.exit_date IS NULL OR u.as_of_date > x.exit_date)
                AND (u.known_date IS NULL OR u.known_date <= u.day)
                AND (u.ended_date IS NULL OR u.ended_date > u.day OR u.end_known_date > u.day)
        END AS is_current,
        coalesce(u.share_fraction, u.range_min) AS stated_min,
        coalesce(u.share_fraction, u.range_max) AS stated_max
    FROM dated u
    LEFT JOIN last_exit x USING (subject_kind, subject_id, owner_entity_id, day)
),
pair_min AS (
    SELECT subject_kind, subject_id, owner_entity_id, day, min(coalesce(stated_min, 0)) AS pair_min
    FROM flagged
    WHERE is_current
    GROUP BY ALL
),
subject_known AS (
    SELECT subject_kind, subject_id, day, sum(pair_min ORDER BY owner_entity_id) AS known_min
    FROM pair_min
    GROUP BY ALL
),
bounded AS (
    SELECT
        f.*,
        coalesce(f.stated_min, 0) AS share_min,
        CASE
            WHEN f.share_fraction IS NOT NULL THEN f.share_fraction
            ELSE least(coalesce(f.range_max, 1),
                       greatest(coalesce(f.range_min, 0),
                                1 - (coalesce(k.known_min, 0) - coalesce(p.pair_min, 0))))
        END AS share_max
    FROM flagged f
    LEFT JOIN subject_known k USING (subject_kind, subject_id, day)
    LEFT JOIN pair_min p ON f.is_current AND p.subject_kind = f.subject_kind AND p.subject_id = f.subject_id
        AND p.owner_entity_id = f.owner_entity_id AND p.day = f.day
),
stated_control AS (
    SELECT subject_kind, subject_key, controller_entity_id, any_value(reason) AS reason, any_value(quote) AS quote
    FROM core_curated__control_statements
    GROUP BY ALL
),
states AS (
    SELECT
        b.subject_kind, b.subject_id, b.owner_entity_id, b.link_id, b.day,
        b.is_current,
        b.share_min,
        b.share_max,
        b.is_current AND (b.is_control_kind OR c.controller_entity_id IS NOT NULL
                          OR b.share_min > $majority) AS is_control,
        CASE
            WHEN NOT b.is_current THEN NULL
            WHEN b.share_min > $majority THEN 'majority'
            WHEN b.relationship IN ('direct parent', 'ultimate parent') THEN 'named as ' || b.relationship || ' by the source'
            WHEN b.is_control_kind AND b.is_registry THEN 'control stated by the source (' || b.interest_type || ')'
            WHEN b.is_control_kind AND b.source_id = 'owners' THEN 'control stated by the source (owner register)'
            WHEN b.interest_type = 'concession' THEN 'concession holder'
            WHEN c.controller_entity_id IS NOT NULL THEN 'stated by the source: ' || coalesce(c.quote, c.reason)
        END AS control_basis
    FROM bounded b
    LEFT JOIN stated_control c
        ON c.subject_kind = b.subject_kind AND c.subject_key = b.subject_key AND c.controller_entity_id = b.owner_entity_id
)
SELECT * FROM states
ORDER BY subject_kind, subject_id, day, link_id;
