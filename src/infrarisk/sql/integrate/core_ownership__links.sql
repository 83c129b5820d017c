-- core_ownership__links: one table of ownership links, entity -> asset (curated stakes) and
-- entity -> entity (parent links), with the share as an interval [share_min, share_max]
-- (fractions 0-1), the status, whether the link counts today, and whether it confers control.
-- The layers' links (cable owners, GEM owners and parents, curated telecom stakes) come from
-- core_ownership__infra_links; licence is the licence of each link's file (core_meta__licences).
--
-- Parameters (passed by infrarisk.integrate from the settings): $current_statuses (list), $majority (fraction),
-- $as_of_date (DATE or NULL: NULL is today's view; a date gives the holdings on that date).
-- Registry links (core_registry__links: GLEIF, BODS, PSC) join with their ids mapped onto
-- curated entities by LEI (core_registry__entity_map); they count on a date when it lies in
-- [start_date, end_date) and their record is current.
-- The owner register's parent links (core_match__owner_links, ends mapped onto entity ids, checked
-- across sources by the integrate stage) are shareholdings with an exact share or a range, control
-- where is_control, start = as_of, source_id 'owners'; a reading a later one replaced is 'historical'.
-- evidence_date: the date of the newest page that states the link (core_curated__evidence: the
-- re-checks of curated rows; the owner register's source_date), else its as_of_date. A curated row a re-check ended carries its end
-- date; a row a re-check made carries known_date (its page's date): a view on an earlier date
-- counts neither the row nor the end before the page that states it.
-- owner_no / subject_no: the entity_no of the owner and of a subject that is no asset (NULL where the
-- id names no entity), the integer keys the ownership loader joins on.
CREATE OR REPLACE TABLE core_ownership__links AS
WITH asset_links AS (
    SELECT
        s.stake_id AS link_id, 'asset' AS subject_kind, t.asset_id AS subject_id, s.asset_name AS subject_key,
        s.owner_entity_id, s.interest_type, CAST(NULL AS VARCHAR) AS relationship,
        s.share_fraction, s.range_min, s.range_max, s.range_reason, s.range_source_url,
        s.is_control_kind, s.status, CAST(s.as_of_date AS DATE) AS as_of_date, s.as_of_precision,
        s.source_url, s.source_title, s.note, CAST(NULL AS VARCHAR) AS correction_reason,
        s.origin_file, s.origin_row, 'curated' AS source_id, CAST(NULL AS DATE) AS start_date,
        CAST(NULL AS DATE) AS registry_end_date, CAST(NULL AS VARCHAR) AS dangling_reason,
        CAST(NULL AS BOOLEAN) AS is_min_exclusive, CAST(NULL AS BOOLEAN) AS is_max_exclusive,
        false AS is_registry
    FROM core_curated__stakes s
    JOIN core_assets__terminals t ON t.name = s.asset_name
),
entity_links AS (
    SELECT
        link_id, 'entity' AS subject_kind, subject_entity_id AS subject_id, subject_entity_id AS subject_key,
        owner_entity_id, interest_type, relationship,
        share_fraction, CAST(NULL AS DOUBLE) AS range_min, CAST(NULL AS DOUBLE) AS range_max,
        CAST(NULL AS VARCHAR) AS range_reason, CAST(NULL AS VARCHAR) AS range_source_url,
        is_control_kind, status, CAST(as_of_date AS DATE) AS as_of_date, as_of_precision,
        source_url, source_title, note, correction_reason, origin_file, origin_row,
        'curated' AS source_id, CAST(NULL AS DATE) AS start_date, CAST(NULL AS DATE) AS registry_end_date,
        CAST(NULL AS VARCHAR) AS dangling_reason, CAST(NULL AS BOOLEAN) AS is_min_exclusive,
        CAST(NULL AS BOOLEAN) AS is_max_exclusive, false AS is_registry
    FROM core_curated__parent_links
),
infra_links AS (
    SELECT
        link_id, subject_kind, subject_id, subject_key, owner_entity_id, interest_type, relationship,
        share_fraction, range_min, range_max, range_reason, range_source_url,
        is_control_kind, status, as_of_date, as_of_precision,
        source_url, source_title, note, correction_reason, origin_file, origin_row,
        split_part(origin_file, '/', 1) AS source_id, CAST(NULL AS DATE) AS start_date,
        CAST(NULL AS DATE) AS registry_end_date, CAST(NULL AS VARCHAR) AS dangling_reason,
        CAST(NULL AS BOOLEAN) AS is_min_exclusive, CAST(NULL AS BOOLEAN) AS is_max_exclusive,
        false AS is_registry
    FROM core_ownership__infra_links
),
registry_links AS (
    SELECT
        r.source_id || ':' || r.link_id AS link_id, 'entity' AS subject_kind,
        coalesce(ms.entity_id, r.subject_id) AS subject_id, coalesce(ms.entity_id, r.subject_id) AS subject_key,
        coalesce(mo.entity_id, r.owner_entity_id) AS owner_entity_id, r.interest_type, r.relationship,
        CASE WHEN r.share_min IS NOT DISTINCT FROM r.share_max THEN r.share_min END AS share_fraction,
        CASE WHEN r.share_min IS DISTINCT FROM r.share_max THEN r.share_min END AS range_min,
        CASE WHEN r.share_min IS DISTINCT FROM r.share_max THEN r.share_max END AS range_max,
        CASE WHEN r.share_min IS DISTINCT FROM r.share_max AND (r.share_min IS NOT NULL OR r.share_max IS NOT NULL)
             THEN 'band stated by the source' END AS range_reason,
        CAST(NULL AS VARCHAR) AS range_source_url, r.is_control_kind, r.status,
        coalesce(r.start_date, r.end_date) AS as_of_date, 'day' AS as_of_precision,
        r.source_url, r.source_title, r.note, CAST(NULL AS VARCHAR) AS correction_reason,
        r.origin_file, r.origin_row, r.source_id, r.start_date, r.end_date AS registry_end_date, r.dangling_reason,
        r.is_min_exclusive, r.is_max_exclusive, true AS is_registry
    FROM core_registry__links r
    LEFT JOIN core_registry__entity_map ms ON ms.registry_entity_id = r.subject_id
    LEFT JOIN core_registry__entity_map mo ON mo.registry_entity_id = r.owner_entity_id
    WHERE coalesce(ms.entity_id, r.subject_id) <> coalesce(mo.entity_id, r.owner_entity_id)
),
register_links AS (
    SELECT
        link_id, 'entity' AS subject_kind, child_entity_id AS subject_id, child_entity_id AS subject_key,
        parent_entity_id AS owner_entity_id, 'shareholding' AS interest_type, CAST(NULL AS VARCHAR) AS relationship,
        share_fraction, share_min_fraction AS range_min, share_max_fraction AS range_max,
        CASE WHEN share_min_fraction IS NOT NULL OR share_max_fraction IS NOT NULL
             THEN 'range stated by the source' END AS range_reason,
        CASE WHEN share_min_fraction IS NOT NULL OR share_max_fraction IS NOT NULL THEN source_url END AS range_source_url,
        is_control AS is_control_kind, status, CAST(as_of_date AS DATE) AS as_of_date, as_of_precision,
        source_url, 'Owner register: ' || source_url AS source_title, note, CAST(NULL AS VARCHAR) AS correction_reason,
        origin_file, origin_row, 'owners' AS source_id, CAST(as_of_date AS DATE) AS start_date,
        CAST(NULL AS DATE) AS registry_end_date, CAST(NULL AS VARCHAR) AS dangling_reason,
        CAST(NULL AS BOOLEAN) AS is_min_exclusive, CAST(NULL AS BOOLEAN) AS is_max_exclusive, false AS is_registry
    FROM core_match__owner_links
),
unioned AS (
    SELECT * FROM asset_links
    UNION ALL
    SELECT * FROM entity_links
    UNION ALL
    SELECT * FROM infra_links
    UNION ALL
    SELECT * FROM registry_links
    UNION ALL
    SELECT * FROM register_links
),
evidenced AS (
    -- the newest evidence: a re-check's page (curated), the page's date (owner register)
    SELECT u.*, coalesce(CAST(ev.evidence_date AS DATE), CAST(ol.source_date AS DATE)) AS rechecked_date,
           coalesce(ev.evidence_precision, CASE WHEN day(ol.source_date) = 1 THEN 'month' ELSE 'day' END)
               AS rechecked_precision,
           CAST(ev.known_date AS DATE) AS known_date, CAST(ev.end_date AS DATE) AS ended_date,
           CAST(ev.end_known_date AS DATE) AS end_known_date
    FROM unioned u
    LEFT JOIN core_curated__evidence ev ON u.source_id = 'curated' AND ev.link_id = u.link_id
    LEFT JOIN core_match__owner_links ol ON u.source_id = 'owners' AND ol.link_id = u.link_id
),
last_exit AS (
    -- for a view on a past date: the latest exit of each holder from each subject on or before it
    SELECT subject_kind, subject_id, owner_entity_id, max(as_of_date) AS exit_date
    FROM evidenced
    WHERE CAST($as_of_date AS DATE) IS NOT NULL AND status = 'exited'
      AND as_of_date <= CAST($as_of_date AS DATE) AND coalesce(known_date, as_of_date) <= CAST($as_of_date AS DATE)
    GROUP BY ALL
),
flagged AS (
    SELECT
        u.*,
        CASE
            WHEN u.is_registry THEN
                -- registry links: the record is current and the date lies in [start, end)
                u.status = 'current' AND coalesce(u.share_fraction, u.range_max, 1) > 0
                AND (u.start_date IS NULL OR u.start_date <= coalesce(CAST($as_of_date AS DATE), current_date))
                AND (u.registry_end_date IS NULL OR u.registry_end_date > coalesce(CAST($as_of_date AS DATE), current_date))
            WHEN CAST($as_of_date AS DATE) IS NULL THEN
                -- today: the statuses the settings count (a 0% row records an exit, never a holding)
                list_contains($current_statuses, u.status) AND coalesce(u.share_fraction, 1) > 0
            ELSE
                -- a past date: facts dated on or before it (undated ones too), after the holder's last exit;
                -- 'historical' facts were true then; pending ones were not completed
                u.status IN ('current', 'unverified', 'historical') AND coalesce(u.share_fraction, 1) > 0
                AND (u.as_of_date IS NULL OR u.as_of_date <= CAST($as_of_date AS DATE))
                AND (x.exit_date IS NULL OR u.as_of_date > x.exit_date)
                AND (u.known_date IS NULL OR u.known_date <= CAST($as_of_date AS DATE))
                AND (u.ended_date IS NULL OR u.ended_date > CAST($as_of_date AS DATE)
                     OR u.end_known_date > CAST($as_of_date AS DATE))
        END AS is_current,
        coalesce(u.share_fraction, u.range_min) AS stated_min,
        coalesce(u.share_fraction, u.range_max) AS stated_max
    FROM evidenced u
    LEFT JOIN last_exit x USING (subject_kind, subject_id, owner_entity_id)
),
pair_min AS (
    -- conflicting current rows of one owner in one subject count once (their lowest value)
    SELECT subject_kind, subject_id, owner_entity_id, min(coalesce(stated_min, 0)) AS pair_min
    FROM flagged
    WHERE is_current
    GROUP BY ALL
),
subject_known AS (
    -- summed in a fixed order: floating-point sums must not depend on the threads' order
    SELECT subject_kind, subject_id, sum(pair_min ORDER BY owner_entity_id) AS known_min
    FROM pair_min
    GROUP BY ALL
),
bounded AS (
    SELECT
        f.*,
        coalesce(f.stated_min, 0) AS share_min,
        CASE
            WHEN f.share_fraction IS NOT NULL THEN f.share_fraction
            -- an undisclosed stake can be at most what the other known holders leave
            ELSE least(coalesce(f.range_max, 1),
                       greatest(coalesce(f.range_min, 0),
                                1 - (coalesce(k.known_min, 0) - coalesce(p.pair_min, 0))))
        END AS share_max,
        f.share_fraction IS NOT NULL AS is_share_stated
    FROM flagged f
    LEFT JOIN subject_known k USING (subject_kind, subject_id)
    LEFT JOIN pair_min p ON f.is_current AND p.subject_kind = f.subject_kind AND p.subject_id = f.subject_id
        AND p.owner_entity_id = f.owner_entity_id
),
stated_control AS (
    SELECT subject_kind, subject_key, controller_entity_id, any_value(reason) AS reason,
           any_value(source_url) AS source_url, any_value(quote) AS quote
    FROM core_curated__control_statements
    GROUP BY ALL
)
SELECT
    b.link_id,
    b.subject_kind,
    b.subject_id,
    b.owner_entity_id,
    b.interest_type,
    b.relationship,
    b.share_min,
    b.share_max,
    b.is_share_stated,
    b.status,
    b.is_current,
    b.as_of_date,
    b.as_of_precision,
    coalesce(b.registry_end_date, b.ended_date, CASE WHEN b.status = 'exited' THEN b.as_of_date END) AS end_date,
    c.controller_entity_id IS NOT NULL AS is_control_stated,
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
    END AS control_basis,
    c.source_url AS control_source_url,
    b.range_reason,
    b.range_source_url,
    b.source_url,
    b.source_title,
    b.note,
    b.correction_reason,
    b.origin_file,
    b.origin_row,
    lic.licence,
    coalesce(lic.is_noncommercial, false) AS is_noncommercial,
    b.source_id,
    b.start_date,
    b.is_min_exclusive,
    b.is_max_exclusive,
    b.dangling_reason,
    CAST(greatest(b.as_of_date, b.rechecked_date) AS DATE) AS evidence_date,
    CASE WHEN b.rechecked_date > b.as_of_date OR b.as_of_date IS NULL THEN b.rechecked_precision
         ELSE b.as_of_precision END AS evidence_precision,
    eo.entity_no AS owner_no,
    CASE WHEN b.subject_kind <> 'asset' THEN es.entity_no END AS subject_no
FROM bounded b
LEFT JOIN stated_control c
    ON c.subject_kind = b.subject_kind AND c.subject_key = b.subject_key AND c.controller_entity_id = b.owner_entity_id
LEFT JOIN core_meta__licences lic ON lic.file = b.origin_file
LEFT JOIN core_ownership__entities eo ON eo.entity_id = b.owner_entity_id
LEFT JOIN core_ownership__entities es ON es.entity_id = b.subject_id AND b.subject_kind <> 'asset'
ORDER BY b.subject_kind, b.subject_id, b.owner_entity_id, b.link_id;
