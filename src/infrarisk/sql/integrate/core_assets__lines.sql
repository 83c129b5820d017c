-- core_assets__lines: the full line geometry (WKT, EPSG:4326) of the assets drawn as lines:
-- submarine cable routes (TeleGeography) and gas and hydrogen pipeline routes (GEM). Their
-- latitude/longitude in core_assets__assets is a point half-way along the route.
CREATE OR REPLACE TABLE core_assets__lines AS
WITH routes AS (
    SELECT asset_id, geometry_wkt, n_vertices, 'submarine-cables' AS source_id FROM core_cables__routes
    UNION ALL
    SELECT asset_id, geometry_wkt, n_vertices, 'gem-europe-gas' AS source_id FROM core_gem__routes
)
SELECT r.*
FROM routes r
JOIN core_assets__assets a USING (asset_id)
ORDER BY asset_id;
