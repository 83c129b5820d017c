-- out_exposure__country_assets: for each European country, the critical assets that lie in it
-- or serve it (core_assets__host_countries: located, crosses, lands in), with the band, the
-- high-risk group behind it and whether they are controlled from a high-risk country. Ports are
-- left out (a port is the roll-up of its terminals, which are counted); a landing station counts
-- as controlled when a cable landing there is (out_exposure__landings).
CREATE OR REPLACE TABLE out_exposure__country_assets AS
WITH controlled AS (
    SELECT asset_id, bool_or(is_controlled) AS is_controlled_high_risk,
           string_agg(group_label, ', ' ORDER BY group_label) FILTER (WHERE is_controlled) AS controlled_from
    FROM out_exposure__asset_groups
    GROUP BY asset_id
)
SELECT
    h.country_code,
    h.asset_id,
    a.name,
    a.asset_class,
    a.asset_type,
    h.basis,
    coalesce(l.via_band, a.band)                                           AS band,
    coalesce(l.via_group_label, a.band_group_label)                        AS band_group_label,
    a.share_min,
    a.share_max,
    coalesce(c.is_controlled_high_risk, false) OR coalesce(l.is_controlled_via_cable, false)
                                                                           AS is_controlled_high_risk,
    coalesce(c.controlled_from, CASE WHEN l.is_controlled_via_cable THEN l.via_group_label END) AS controlled_from,
    a.controlling_country_code,
    a.control_chain,
    l.via_cable_name,
    a.licence,
    a.is_noncommercial
FROM core_assets__host_countries h
JOIN out_exposure__assets a USING (asset_id)
JOIN core_geo__countries g ON g.country_code = h.country_code
LEFT JOIN controlled c USING (asset_id)
LEFT JOIN out_exposure__landings l USING (asset_id)
WHERE g.is_europe AND a.asset_class <> 'port'
ORDER BY h.country_code, a.asset_class, a.asset_type, a.name, h.asset_id;
