-- out_exposure__assets: every asset with its band under the current risk profile.
-- $profile_name: the risk profile's name (a parameter passed by score.py).
-- Terminals: the most severe band over the profile's high-risk groups. Ports: the roll-up
-- of their terminals (out_exposure__ports). No ownership data means 'unknown'; a European port
-- outside the census of container terminals (core_census__ports / core_census__terminals) says so.
-- traced_share/untraced_share/band_basis/band_max are those of the group behind the band
-- (infrarisk.bands); a port's band_basis is 'rollup' (its terminals carry theirs), an asset
-- without ownership data is 'no_data' (all of it untraced).
CREATE OR REPLACE TABLE out_exposure__assets AS
WITH best AS (
    -- per asset the first row by severity DESC, share_min DESC (NULL last), group_id (NULL last): the row
    -- (rowid) with the least key, picked by an aggregate over narrow rows (a window sorts the wide ones)
    SELECT *
    FROM out_exposure__asset_groups
    WHERE rowid IN (
        SELECT arg_min(rowid, {'severity': -(CASE band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2
                                                      WHEN 'unknown' THEN 1 ELSE 0 END),
                               'no_share': share_min IS NULL, 'share': coalesce(-share_min, 0),
                               'no_group': group_id IS NULL, 'group': coalesce(group_id, '')})
        FROM out_exposure__asset_groups
        GROUP BY asset_id)
)
SELECT
    a.asset_num,
    a.asset_id,
    a.name,
    a.asset_type,
    a.asset_class,
    a.country_code,
    a.unlocode,
    a.parent_asset_id,
    a.latitude,
    a.longitude,
    a.position_precision,
    a.position_source_url,
    a.operator_name,
    a.is_planned,
    a.is_europe,
    a.source_id,
    b.asset_id IS NOT NULL OR coalesce(p.n_terminals, 0) > 0      AS has_ownership_data,
    coalesce(b.band, p.band, 'unknown')                          AS band,
    coalesce(b.group_id, p.band_group_id)                        AS band_group_id,
    coalesce(b.group_label, p.band_group_label)                  AS band_group_label,
    coalesce(b.share_min, p.max_share_min)                       AS share_min,
    coalesce(b.share_max, p.max_share_max)                       AS share_max,
    coalesce(b.is_controlled, p.has_controlled_terminal, false)  AS is_controlled,
    CASE
        WHEN b.asset_id IS NOT NULL THEN b.band_reason
        WHEN coalesce(p.n_terminals, 0) > 0 THEN
            'Roll-up of ' || p.n_terminals || ' terminal(s) with ownership data, '
            || p.n_terminals_exposed || ' with a stake of entities controlled from a high-risk country.'
        WHEN a.asset_class = 'port' AND a.is_europe AND EXISTS (SELECT 1 FROM core_census__ports)
             AND a.unlocode IS NOT NULL AND a.unlocode NOT IN (
                SELECT unlocode FROM core_census__ports UNION ALL SELECT unlocode FROM core_census__terminals)
            THEN 'Not in the census of the 40 largest container ports; terminals not researched.'
        ELSE 'No ownership data for this asset.'
    END                                                          AS band_reason,
    CASE WHEN b.asset_id IS NOT NULL THEN b.traced_share
         WHEN coalesce(p.n_terminals, 0) = 0 THEN 0.0 END        AS traced_share,
    CASE WHEN b.asset_id IS NOT NULL THEN b.untraced_share
         WHEN coalesce(p.n_terminals, 0) = 0 THEN 1.0 END        AS untraced_share,
    CASE WHEN b.asset_id IS NOT NULL THEN b.band_basis
         WHEN coalesce(p.n_terminals, 0) > 0 THEN 'rollup'
         ELSE 'no_data' END                                      AS band_basis,
    CASE WHEN b.asset_id IS NOT NULL THEN b.band_max
         WHEN coalesce(p.n_terminals, 0) > 0 THEN p.band_max
         ELSE 'high' END                                         AS band_max,
    coalesce(b.is_more_exposed_reading, p.has_more_exposed_reading, false) AS is_more_exposed_reading,
    coalesce(p.n_terminals, 0)                                   AS n_terminals,
    coalesce(p.n_terminals_exposed, 0)                           AS n_terminals_exposed,
    c.controller_entity_id,
    c.control_chain,
    c.controlling_country_code,
    $profile_name                                  AS profile_name,
    a.licence,
    a.is_noncommercial
FROM core_assets__assets a
LEFT JOIN best b USING (asset_id)
LEFT JOIN out_exposure__ports p ON p.asset_id = a.asset_id
LEFT JOIN out_ownership__asset_controllers c ON c.asset_id = a.asset_id
ORDER BY a.asset_id;
