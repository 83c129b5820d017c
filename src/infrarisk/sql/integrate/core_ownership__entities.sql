-- core_ownership__entities: every entity of the build in one table, each written once:
--   the curated entities (core_curated__entities, source_id 'curated');
--   the registry entities (core_registry__entities: GLEIF, BODS, PSC, with their source_id)
--     that are no curated entity (those are mapped by LEI in core_registry__entity_map);
--   the entities entity matching adds (core_match__entities: matching/entities.csv, GLEIF
--     records that owner names matched, one entity per unmatched name: source_id NULL; the owner
--     register's own owners: source_id 'owners'; GEM parent names: source_id 'gem-ownership').
-- A register owner that is a curated or registry entity (core_match__owner_map) enriches it: the
-- curated or registry fields win, the register fills a blank LEI, headquarters country, type, source.
-- alt_country_codes: the seat-country readings of the other sources that differ from hq_country_code
-- (core_match__conflicts; sorted, empty when the sources agree), for the score stage's more exposed reading.
-- entity_no: the entity's integer key, 0.. in entity_id order (NULL where the id is NULL), written once
-- here so the ownership loader and core_ownership__links' owner_no / subject_no never join on text.
CREATE OR REPLACE TABLE core_ownership__entities AS
WITH enrich AS (
    SELECT m.entity_id, any_value(o.lei ORDER BY o.owner_id) AS lei,
           any_value(o.seat_country_code ORDER BY o.owner_id) AS seat_country_code,
           any_value(o.entity_type ORDER BY o.owner_id) AS entity_type,
           any_value(o.source_url ORDER BY o.owner_id) AS source_url
    FROM core_match__owner_map m JOIN core_owners__owners o USING (owner_id)
    WHERE m.matched_by <> 'register'
    GROUP BY 1
),
curated AS (
    SELECT
        CAST(c.entity_id AS VARCHAR) AS entity_id, CAST(c.entity_name AS VARCHAR) AS entity_name,
        coalesce(CAST(c.lei AS VARCHAR), x.lei) AS lei, CAST(c.lei_match AS VARCHAR) AS lei_match,
        CAST(c.lei_legal_name AS VARCHAR) AS lei_legal_name, CAST(c.lei_related AS VARCHAR) AS lei_related,
        CAST(c.lei_source_url AS VARCHAR) AS lei_source_url, CAST(c.jurisdiction_code AS VARCHAR) AS jurisdiction_code,
        coalesce(CAST(c.hq_country_code AS VARCHAR), x.seat_country_code) AS hq_country_code,
        CASE WHEN c.entity_type IS NULL OR CAST(c.entity_type AS VARCHAR) = 'unknown' THEN coalesce(x.entity_type, CAST(c.entity_type AS VARCHAR))
             ELSE CAST(c.entity_type AS VARCHAR) END AS entity_type,
        CAST(c.entity_type_raw AS VARCHAR) AS entity_type_raw, CAST(c.state_owned_note AS VARCHAR) AS state_owned_note,
        coalesce(CAST(c.source_url AS VARCHAR), x.source_url) AS source_url, CAST(c.note AS VARCHAR) AS note,
        CAST(c.override_reason AS VARCHAR) AS override_reason, CAST(c.origin_file AS VARCHAR) AS origin_file,
        CAST(c.origin_row AS BIGINT) AS origin_row, 'curated' AS source_id
    FROM core_curated__entities c
    LEFT JOIN enrich x ON x.entity_id = CAST(c.entity_id AS VARCHAR)
),
registry AS (
    SELECT
        r.entity_id, r.entity_name, r.lei, NULL AS lei_match, NULL AS lei_legal_name, NULL AS lei_related,
        NULL AS lei_source_url, r.jurisdiction_code, coalesce(r.hq_country_code, x.seat_country_code) AS hq_country_code,
        CASE WHEN r.entity_type IS NULL OR r.entity_type = 'unknown' THEN coalesce(x.entity_type, r.entity_type)
             ELSE r.entity_type END AS entity_type,
        r.entity_type AS entity_type_raw, NULL AS state_owned_note, coalesce(r.source_url, x.source_url) AS source_url,
        r.placeholder_reason AS note, NULL AS override_reason, r.origin_file, r.origin_row, r.source_id
    FROM core_registry__entities r
    LEFT JOIN enrich x ON x.entity_id = r.entity_id
    ANTI JOIN core_registry__entity_map m ON m.registry_entity_id = r.entity_id
),
matched AS (
    SELECT
        entity_id, entity_name, lei, lei_match, lei_legal_name, lei_related, lei_source_url, jurisdiction_code,
        hq_country_code, entity_type, entity_type_raw, state_owned_note, source_url, note, override_reason,
        origin_file, CAST(origin_row AS BIGINT) AS origin_row, CAST(source_id AS VARCHAR) AS source_id
    FROM core_match__entities
),
unioned AS (
    SELECT * FROM curated
    UNION ALL SELECT * FROM registry
    UNION ALL SELECT * FROM matched
),
readings AS (
    SELECT entity_id, list_sort(list(DISTINCT value)) AS seat_countries
    FROM core_match__conflicts
    WHERE field = 'seat_country'
    GROUP BY 1
)
-- entity_no numbers the rows in their sorted order (ids unique: checks/duplicate_ids.sql; NULL last): a SELECT
-- and a window with an empty OVER keep the order of the subquery they read, so one sort serves both
SELECT *, CASE WHEN entity_id IS NOT NULL THEN row_number() OVER () - 1 END AS entity_no
FROM (
    SELECT u.*,
           coalesce(list_filter(r.seat_countries, lambda c: c IS DISTINCT FROM u.hq_country_code), CAST([] AS VARCHAR[])) AS alt_country_codes
    FROM unioned u
    LEFT JOIN readings r USING (entity_id)
    ORDER BY entity_id NULLS LAST
);
