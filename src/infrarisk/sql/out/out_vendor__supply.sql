-- out_vendor__supply: every good supply row of the vendor dimension, with the asset it attaches to (NULL and
-- unmatched_reason where none), the vendors it names with their controlling countries (core_vendor__entities),
-- the row's band and the reason in words with the source and date (core_vendor__rows, infrarisk.vendors).
-- is_superseded: a not-disclosed row of a component whose vendor another row names (it does not count).
CREATE OR REPLACE TABLE out_vendor__supply AS
WITH assets AS (
    SELECT asset_id, name, asset_class, country_code FROM core_assets__assets
    UNION ALL
    SELECT asset_id, name, 'mobile_network', country_code FROM core_vendor__networks WHERE NOT is_existing_asset
)
SELECT
    s.supply_id, s.asset_id, coalesce(a.name, s.asset_ref) AS asset_name, s.asset_ref, s.asset_kind,
    s.country_code, CAST(s.country_codes AS VARCHAR[]) AS country_codes, s.unlocode, s.component,
    s.vendor_name, CAST(s.vendor_ids AS VARCHAR[]) AS vendor_ids, CAST(r.vendor_names AS VARCHAR[]) AS vendor_names,
    CAST(r.vendor_country_codes AS VARCHAR[]) AS vendor_country_codes,
    CAST(r.high_risk_vendor_ids AS VARCHAR[]) AS high_risk_vendor_ids,
    s.share_fraction, s.share_basis, s.is_main_vendor, s.start_date, s.start_precision, s.end_date, s.end_precision,
    s.status, s.is_current, s.deadline, s.deadline_precision,
    CAST(r.band AS VARCHAR) AS band, CAST(r.band_max AS VARCHAR) AS band_max, CAST(r.band_reason AS VARCHAR) AS band_reason,
    CAST(r.is_superseded AS BOOLEAN) AS is_superseded,
    s.source_url, s.source_date, s.source_date_precision, s.needs_review, s.note,
    s.matched_by, s.unmatched_reason, s.origin_row
FROM core_vendor__supply s
JOIN core_vendor__rows r USING (supply_id)
LEFT JOIN assets a ON a.asset_id = s.asset_id
ORDER BY s.supply_id;
