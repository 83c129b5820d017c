-- core_ownership__entities: every entity of the build in one table, each written once:
--   the curated entities (core_curated__entities, source_id 'curated');
--   the registry entities (core_registry__entities: GLEIF, BODS, PSC, with their source_id)
--     that are no curated entity (those are mapped by LEI in core_registry__entity_map);
--   the entities entity matching adds (core_match__entities: matching/entities.csv, GLEIF
--     records that owner names matched, one entity per unmatched name; source_id NULL).
CREATE OR REPLACE TABLE core_ownership__entities AS
WITH curated AS (
    SELECT
        CAST(entity_id AS VARCHAR) AS entity_id, CAST(entity_name AS VARCHAR) AS entity_name,
        CAST(lei AS VARCHAR) AS lei, CAST(lei_match AS VARCHAR) AS lei_match,
        CAST(lei_legal_name AS VARCHAR) AS lei_legal_name, CAST(lei_related AS VARCHAR) AS lei_related,
        CAST(lei_source_url AS VARCHAR) AS lei_source_url, CAST(jurisdiction_code AS VARCHAR) AS jurisdiction_code,
        CAST(hq_country_code AS VARCHAR) AS hq_country_code, CAST(entity_type AS VARCHAR) AS entity_type,
        CAST(entity_type_raw AS VARCHAR) AS entity_type_raw, CAST(state_owned_note AS VARCHAR) AS state_owned_note,
        CAST(source_url AS VARCHAR) AS source_url, CAST(note AS VARCHAR) AS note,
        CAST(override_reason AS VARCHAR) AS override_reason, CAST(origin_file AS VARCHAR) AS origin_file,
        CAST(origin_row AS BIGINT) AS origin_row, 'curated' AS source_id
    FROM core_curated__entities
),
registry AS (
    SELECT
        r.entity_id, r.entity_name, r.lei, NULL AS lei_match, NULL AS lei_legal_name, NULL AS lei_related,
        NULL AS lei_source_url, r.jurisdiction_code, r.hq_country_code, r.entity_type,
        r.entity_type AS entity_type_raw, NULL AS state_owned_note, r.source_url, r.placeholder_reason AS note,
        NULL AS override_reason, r.origin_file, r.origin_row, r.source_id
    FROM core_registry__entities r
    ANTI JOIN core_registry__entity_map m ON m.registry_entity_id = r.entity_id
),
matched AS (
    SELECT
        entity_id, entity_name, lei, lei_match, lei_legal_name, lei_related, lei_source_url, jurisdiction_code,
        hq_country_code, entity_type, entity_type_raw, state_owned_note, source_url, note, override_reason,
        origin_file, CAST(origin_row AS BIGINT) AS origin_row, CAST(NULL AS VARCHAR) AS source_id
    FROM core_match__entities
)
SELECT * FROM curated
UNION ALL SELECT * FROM registry
UNION ALL SELECT * FROM matched
ORDER BY entity_id;
