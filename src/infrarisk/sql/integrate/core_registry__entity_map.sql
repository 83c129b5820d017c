-- core_registry__entity_map: the registry entities (core_registry__entities: GLEIF, BODS, PSC)
-- that are curated entities, matched by LEI — never on an empty id: registry id -> curated
-- entity id. Only the matches are listed; every other registry entity keeps its own id in
-- core_ownership__entities, and core_ownership__links maps the registry links' ends through here.
CREATE OR REPLACE TABLE core_registry__entity_map AS
WITH curated AS (
    SELECT CAST(lei AS VARCHAR) AS lei, min(entity_id) AS entity_id
    FROM core_curated__entities
    WHERE lei IS NOT NULL AND trim(CAST(lei AS VARCHAR)) <> ''
    GROUP BY 1
)
SELECT r.entity_id AS registry_entity_id, c.entity_id, 'lei' AS matched_by
FROM core_registry__entities r
JOIN curated c ON c.lei = r.lei
WHERE r.lei IS NOT NULL AND trim(r.lei) <> ''
ORDER BY r.entity_id;
