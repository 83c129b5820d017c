-- out_exposure__ports: each port as the roll-up of its terminals (the terminal or concession
-- is the unit that carries a stake; a port is as exposed as its most exposed terminal).
-- Ports without any terminal with ownership data are 'unknown', never 'none'. band_max: the most
-- severe band the untraced shares of its terminals could make (infrarisk.bands).
CREATE OR REPLACE TABLE out_exposure__ports AS
WITH graded AS (
    SELECT
        a.parent_asset_id AS port_asset_id,
        g.*,
        CASE g.band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2
                    WHEN 'unknown' THEN 1 ELSE 0 END AS severity
    FROM out_exposure__asset_groups g
    JOIN core_assets__assets a USING (asset_id)
    WHERE a.asset_class = 'terminal'
),
terminal_best AS (
    -- per terminal, its most severe group (ties: larger share, then group id)
    SELECT *
    FROM graded
    QUALIFY row_number() OVER (PARTITION BY asset_id ORDER BY severity DESC, share_min DESC, group_id) = 1
),
port_roll AS (
    SELECT
        port_asset_id,
        count(*)                                                   AS n_terminals,
        count(*) FILTER (WHERE band IN ('high', 'elevated', 'low')) AS n_terminals_exposed,
        count(*) FILTER (WHERE band = 'high')                      AS n_terminals_high,
        max(severity)                                              AS severity,
        arg_max(band, severity * 10 + share_min)                   AS band,
        arg_max(group_id, severity * 10 + share_min)               AS band_group_id,
        arg_max(group_label, severity * 10 + share_min)            AS band_group_label,
        max(share_min) FILTER (WHERE band IN ('high', 'elevated', 'low')) AS max_share_min,
        max(share_max) FILTER (WHERE band IN ('high', 'elevated', 'low', 'unknown')) AS max_share_max,
        bool_or(is_controlled)                                     AS has_controlled_terminal,
        bool_or(is_more_exposed_reading)                           AS has_more_exposed_reading,
        arg_max(band_max, CASE band_max WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2
                                        WHEN 'unknown' THEN 1 ELSE 0 END) AS band_max,
        string_agg(asset_id, ' ' ORDER BY asset_id)                AS terminal_ids
    FROM terminal_best
    GROUP BY port_asset_id
)
SELECT
    p.asset_id,
    p.name,
    p.country_code,
    p.unlocode,
    p.is_europe,
    coalesce(r.n_terminals, 0)          AS n_terminals,
    coalesce(r.n_terminals_exposed, 0)  AS n_terminals_exposed,
    coalesce(r.n_terminals_high, 0)     AS n_terminals_high,
    coalesce(r.band, 'unknown')         AS band,
    r.band_group_id,
    r.band_group_label,
    r.max_share_min,
    r.max_share_max,
    coalesce(r.has_controlled_terminal, false) AS has_controlled_terminal,
    coalesce(r.has_more_exposed_reading, false) AS has_more_exposed_reading,
    coalesce(r.band_max, 'high')        AS band_max,
    r.terminal_ids
FROM core_assets__assets p
LEFT JOIN port_roll r ON r.port_asset_id = p.asset_id
WHERE p.asset_class = 'port'
ORDER BY p.asset_id;
