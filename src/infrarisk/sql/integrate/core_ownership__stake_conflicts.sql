-- core_ownership__stake_conflicts: where the census and the curated stakes disagree about one holder of one
-- terminal. Curated rows win (core_ownership__infra_links makes no census link there); each reading is kept
-- here with its source: one row per (asset, holder) whose census share or status differs from every curated
-- row of that holder in that terminal.
CREATE OR REPLACE TABLE core_ownership__stake_conflicts AS
WITH curated AS (
    SELECT t.asset_id, s.owner_entity_id, s.stake_id, s.share_fraction, s.status, s.as_of_date, s.source_url
    FROM core_curated__stakes s
    JOIN core_assets__terminals t ON t.name = s.asset_name AND t.source_id = 'curated'
),
census AS (
    SELECT m.asset_id, mm.entity_id AS owner_entity_id, s.stake_id, s.share_fraction, s.status, s.as_of_date,
           s.source_url, s.origin_file, s.origin_row
    FROM core_census__stakes s
    JOIN core_assets__census_map m ON m.terminal_id = s.terminal_id AND m.asset_id IS NOT NULL
    JOIN core_match__mentions mm ON mm.file = s.origin_file AND mm.row = s.origin_row AND mm.name = s.holder
    WHERE NOT m.is_new AND mm.entity_id IS NOT NULL AND s.interest_type <> 'concession'
)
SELECT
    c.asset_id, c.owner_entity_id,
    c.stake_id AS census_stake_id, c.share_fraction AS census_share, c.status AS census_status,
    CAST(c.as_of_date AS DATE) AS census_as_of, c.source_url AS census_source_url,
    string_agg(k.stake_id, ' ' ORDER BY k.stake_id) AS curated_stake_ids,
    string_agg(coalesce(CAST(k.share_fraction AS VARCHAR), 'undisclosed') || ' ' || k.status, '; '
               ORDER BY k.stake_id) AS curated_readings,
    'curated rows win; the census reading is kept here' AS resolution,
    c.origin_file, c.origin_row
FROM census c
JOIN curated k USING (asset_id, owner_entity_id)
GROUP BY ALL
HAVING NOT bool_or(k.share_fraction IS NOT DISTINCT FROM c.share_fraction AND k.status = c.status)
ORDER BY c.asset_id, c.owner_entity_id, c.stake_id;
