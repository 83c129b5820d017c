-- _ownership_placeholder_assets (GEM part): adds the assets for which Global Energy Monitor
-- names an unnamed holder ("Other", "Private investors", "unknown": a placeholder in
-- core_match__mentions) among the holders it counts (core_gem__stakes.is_counted), found
-- through the GEM row the mention was read from (file and row). Only run where
-- core_gem__stakes exists, after _ownership_placeholder_assets.sql made the table.
INSERT INTO _ownership_placeholder_assets
SELECT DISTINCT s.asset_id
FROM core_match__mentions m
JOIN core_gem__stakes s ON s.origin_file = m.file AND s.origin_row = m.row
WHERE m.method = 'placeholder' AND s.is_counted
