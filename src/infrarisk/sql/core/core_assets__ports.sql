-- core_assets__ports: one row per World Port Index port accepted by the loader, keyed
-- 'wpi:<wpi_number>', positioned at the WPI point, with its country's is_europe.
--
-- Several WPI ports can share one UN/LOCODE (Dunkerque Port Est / Port Ouest: FRDKK).
-- is_primary_for_unlocode picks exactly one per code, so a terminal can be linked to one
-- port by its LOCODE: the largest harbour (Large > Medium > Small > Very Small > not
-- given), then the lowest WPI number. A port whose LOCODE prefix differs from its country
-- (WPI errors such as RULED on St Petersburg, Florida) is never primary: linking by that
-- code would put a terminal in the wrong country.
-- Facility flags are Yes -> true, No -> false, Unknown -> NULL (unknown, never "no").
CREATE OR REPLACE TABLE core_assets__ports AS
WITH ports AS (
    SELECT * FROM raw_wpi__ports
),
countries AS (
    SELECT country_code, is_europe FROM core_geo__countries
),
typed AS (
    SELECT
        'wpi:' || p.wpi_number                    AS asset_id,
        'port'                                    AS asset_type,
        p.port_name                               AS name,
        p.alternate_name,
        p.country_code,
        p.unlocode,
        p.wpi_number,
        p.latitude,
        p.longitude,
        'wpi'                                     AS position_source,
        'port'                                    AS position_precision,
        p.harbor_size,
        p.harbor_type,
        p.harbor_use,
        c.is_europe,
        coalesce(left(p.unlocode, 2) <> p.country_code, false) AS is_unlocode_country_mismatch,
        CASE p.fac_container    WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_container_facility,
        CASE p.fac_roro         WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_roro_facility,
        CASE p.fac_solid_bulk   WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_solid_bulk_facility,
        CASE p.fac_liquid_bulk  WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_liquid_bulk_facility,
        CASE p.fac_breakbulk    WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_breakbulk_facility,
        CASE p.fac_oil_terminal WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_oil_terminal,
        CASE p.fac_lng_terminal WHEN 'Yes' THEN true WHEN 'No' THEN false END AS has_lng_terminal,
        p.channel_depth_m,
        p.cargo_pier_depth_m,
        p.oil_terminal_depth_m,
        p.lng_terminal_depth_m,
        p.max_vessel_length_m,
        p.max_vessel_draft_m,
        CASE p.harbor_size WHEN 'Large' THEN 4 WHEN 'Medium' THEN 3 WHEN 'Small' THEN 2
                           WHEN 'Very Small' THEN 1 ELSE 0 END AS harbor_size_rank,
        CAST(p.wpi_number AS DOUBLE)              AS wpi_number_value,
        'wpi'                                     AS source_id
    FROM ports p
    LEFT JOIN countries c ON c.country_code = p.country_code
),
primary_pick AS (
    SELECT
        asset_id,
        row_number() OVER (
            PARTITION BY unlocode ORDER BY harbor_size_rank DESC, wpi_number_value, asset_id
        ) = 1 AS is_primary
    FROM typed
    WHERE unlocode IS NOT NULL AND NOT is_unlocode_country_mismatch
)
SELECT
    t.* EXCLUDE (harbor_size_rank, wpi_number_value, source_id),
    coalesce(pp.is_primary, false)                AS is_primary_for_unlocode,
    t.source_id
FROM typed t
LEFT JOIN primary_pick pp USING (asset_id)
ORDER BY t.wpi_number_value, t.asset_id;
