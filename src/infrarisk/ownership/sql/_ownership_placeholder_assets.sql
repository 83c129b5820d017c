-- _ownership_placeholder_assets: the assets for which a source names an unnamed owner (a
-- placeholder in core_match__mentions: "n.a.", "Other", "Others", "unknown"), found
-- through the cable owner row the mention was read from (file and row). Only run where
-- core_match__mentions and core_cables__owner_mentions exist; otherwise the table is empty.
CREATE OR REPLACE TEMP TABLE _ownership_placeholder_assets AS
SELECT DISTINCT c.asset_id
FROM core_match__mentions m
JOIN core_cables__owner_mentions c ON c.origin_file = m.file AND c.origin_row = m.row
WHERE m.method = 'placeholder'
