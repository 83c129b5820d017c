-- out_exposure__country_assets: for each European country, the critical assets that lie in it
-- or serve it (core_assets__host_countries: located, crosses, lands in), with the band, the
-- high-risk group behind it and whether they are controlled from a high-risk country. Ports are
-- left out (a port is the roll-up of its terminals, which are counted); a landing station takes,
-- per group, the most exposed cable landing there (core_cables__landings).
-- Foreign means foreign: band, band_group_label, share_min/share_max, is_controlled_high_risk and
-- controlled_from count only the high-risk groups the row's country is not a member of
-- (out_exposure__group_countries): Russia's own gas fields are not Russia's foreign exposure.
-- Control from a group the country belongs to is shown apart: is_controlled_domestic,
-- domestic_band, domestic_group_label.
CREATE OR REPLACE TABLE out_exposure__country_assets AS
WITH hosts AS (
    SELECT h.country_code, h.asset_id, h.basis
    FROM core_assets__host_countries h
    JOIN core_geo__countries g ON g.country_code = h.country_code
    JOIN out_exposure__assets a ON a.asset_id = h.asset_id
    WHERE g.is_europe AND a.asset_class <> 'port'
),
per_group AS (
    -- the asset's own rows, then a landing station's through each cable that lands there
    SELECT h.country_code, h.asset_id, NULL AS cable_asset_id, NULL AS cable_name, x.group_id, x.group_label,
           x.band, x.share_min, x.share_max, x.is_controlled
    FROM hosts h
    JOIN out_exposure__asset_groups x USING (asset_id)
    UNION ALL
    SELECT h.country_code, h.asset_id, l.cable_asset_id, c.name, x.group_id, x.group_label,
           x.band, x.share_min, x.share_max, x.is_controlled
    FROM hosts h
    JOIN (SELECT DISTINCT landing_asset_id, cable_asset_id FROM core_cables__landings) l
      ON l.landing_asset_id = h.asset_id
    JOIN out_exposure__asset_groups x ON x.asset_id = l.cable_asset_id
    JOIN out_exposure__assets c ON c.asset_id = l.cable_asset_id
),
graded AS (
    SELECT
        p.*,
        CASE p.band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2
                    WHEN 'unknown' THEN 1 ELSE 0 END AS severity,
        EXISTS (SELECT 1 FROM out_exposure__group_countries gc
                WHERE gc.group_id = p.group_id AND gc.country_code = p.country_code) AS is_domestic
    FROM per_group p
),
foreign_best AS (
    SELECT *
    FROM graded
    WHERE NOT is_domestic
    QUALIFY row_number() OVER (PARTITION BY country_code, asset_id
                               ORDER BY severity DESC, share_min DESC, cable_asset_id, group_id) = 1
),
domestic_best AS (
    SELECT *
    FROM graded
    WHERE is_domestic
    QUALIFY row_number() OVER (PARTITION BY country_code, asset_id
                               ORDER BY severity DESC, share_min DESC, cable_asset_id, group_id) = 1
),
controlled AS (
    SELECT
        country_code, asset_id,
        bool_or(is_controlled AND NOT is_domestic)                                          AS is_foreign,
        bool_or(is_controlled AND is_domestic)                                              AS is_domestic,
        -- the labels of the foreign groups that control it, distinct and sorted (NULL: none)
        list_sort(list_distinct(list(group_label) FILTER (WHERE is_controlled AND NOT is_domestic)))
                                                                                            AS controlled_from
    FROM graded
    GROUP BY country_code, asset_id
)
SELECT
    h.country_code,
    h.asset_id,
    a.name,
    a.asset_class,
    a.asset_type,
    h.basis,
    coalesce(f.band, CASE WHEN d.band IS NOT NULL THEN 'none' END, a.band) AS band,
    f.group_label                                                          AS band_group_label,
    CASE WHEN f.cable_asset_id IS NULL THEN f.share_min END                AS share_min,
    CASE WHEN f.cable_asset_id IS NULL THEN f.share_max END                AS share_max,
    coalesce(c.is_foreign, false)                                          AS is_controlled_high_risk,
    CASE WHEN len(c.controlled_from) > 0 THEN array_to_string(c.controlled_from, ', ') END AS controlled_from,
    coalesce(c.is_domestic, false)                                         AS is_controlled_domestic,
    d.band                                                                 AS domestic_band,
    d.group_label                                                          AS domestic_group_label,
    a.controlling_country_code,
    a.control_chain,
    coalesce(f.cable_name, d.cable_name, l.via_cable_name)                 AS via_cable_name,
    a.licence,
    a.is_noncommercial
FROM hosts h
JOIN out_exposure__assets a ON a.asset_id = h.asset_id
LEFT JOIN foreign_best f ON f.country_code = h.country_code AND f.asset_id = h.asset_id
LEFT JOIN domestic_best d ON d.country_code = h.country_code AND d.asset_id = h.asset_id
LEFT JOIN controlled c ON c.country_code = h.country_code AND c.asset_id = h.asset_id
LEFT JOIN out_exposure__landings l ON l.asset_id = h.asset_id
ORDER BY h.country_code, a.asset_class, a.asset_type, a.name, h.asset_id;
