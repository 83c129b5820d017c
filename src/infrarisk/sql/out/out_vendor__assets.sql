-- out_vendor__assets: the "built by" band per asset (a separate dimension: never mixed with the ownership band of
-- out_exposure__*): the worst band of its supply rows (high > elevated > low > unknown > none; superseded
-- not-disclosed rows left out), the reasons of the rows that set it, the high-risk vendors, every vendor named and
-- their controlling countries, the sources. Assets: those of core_assets__assets a row attaches to, and the
-- vendor-layer mobile networks (core_vendor__networks), drawn at their country's label point.
CREATE OR REPLACE TABLE out_vendor__assets AS
WITH assets AS (
    SELECT asset_id, name, asset_class, asset_type, country_code, latitude, longitude, position_precision
    FROM core_assets__assets
    UNION ALL
    SELECT asset_id, name, 'mobile_network', asset_type, country_code, latitude, longitude, position_precision
    FROM core_vendor__networks WHERE NOT is_existing_asset
),
rows AS (
    SELECT *, CASE band WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2 WHEN 'unknown' THEN 1 ELSE 0 END AS sev,
              CASE band_max WHEN 'high' THEN 4 WHEN 'elevated' THEN 3 WHEN 'low' THEN 2 WHEN 'unknown' THEN 1 ELSE 0 END AS sev_max
    FROM out_vendor__supply
    WHERE asset_id IS NOT NULL AND NOT is_superseded
),
worst AS (
    SELECT asset_id, max(sev) AS sev, max(sev_max) AS sev_max FROM rows GROUP BY 1
),
agg AS (
    SELECT
        r.asset_id,
        any_value(r.asset_kind ORDER BY r.supply_id) AS asset_kind,
        string_agg(r.band_reason, ' ' ORDER BY r.supply_id) FILTER (WHERE r.sev = w.sev) AS band_reason,
        list_sort(list_distinct(flatten(list(r.high_risk_vendor_ids) FILTER (WHERE r.is_current)))) AS high_risk_vendor_ids,
        list_sort(list_distinct(flatten(list(r.vendor_names)))) AS vendor_names,
        list_sort(list_distinct(flatten(list(r.vendor_country_codes) FILTER (WHERE r.is_current)))) AS vendor_country_codes,
        list_sort(list_distinct(list(r.component))) AS components,
        list_sort(list_distinct(list(r.source_url))) AS source_urls,
        max(r.source_date) AS latest_source_date,
        count(*) AS n_rows,
        count(*) FILTER (WHERE r.needs_review) AS n_rows_needing_review,
        list(r.supply_id ORDER BY r.supply_id) AS supply_ids
    FROM rows r JOIN worst w USING (asset_id)
    GROUP BY r.asset_id
)
SELECT
    a.asset_id, a.name AS asset_name, g.asset_kind, a.asset_class, a.asset_type, a.country_code,
    a.latitude, a.longitude, a.position_precision,
    CASE w.sev WHEN 4 THEN 'high' WHEN 3 THEN 'elevated' WHEN 2 THEN 'low' WHEN 1 THEN 'unknown' ELSE 'none' END AS band,
    CASE w.sev_max WHEN 4 THEN 'high' WHEN 3 THEN 'elevated' WHEN 2 THEN 'low' WHEN 1 THEN 'unknown' ELSE 'none' END AS band_max,
    g.band_reason, g.high_risk_vendor_ids, g.vendor_names, g.vendor_country_codes, g.components, g.source_urls,
    g.latest_source_date, g.n_rows, g.n_rows_needing_review, g.supply_ids
FROM agg g
JOIN worst w USING (asset_id)
JOIN assets a USING (asset_id)
ORDER BY a.asset_id;
