-- out_vendor__coverage: the coverage counts of the vendor dimension (issue 13 "Done when"), one row per metric:
-- numerator, denominator, percent and what is counted. Read by infrarisk.vendors.coverage (infrarisk vendor-report).
-- Europe for the cables: the landing countries of the EU, EEA, UK and Switzerland plus FO, GI, IM, JE, GG.
CREATE OR REPLACE TABLE out_vendor__coverage AS
WITH europe(country_code) AS (
    SELECT unnest(['AT','BE','BG','HR','CY','CZ','DK','EE','FI','FR','DE','GR','HU','IE','IT','LV','LT','LU','MT','NL',
                   'PL','PT','RO','SK','SI','ES','SE','IS','LI','NO','GB','CH','FO','GI','IM','JE','GG'])
),
ran AS (
    SELECT asset_ref AS operator_id, bool_or(status <> 'not_disclosed') AS names_vendor,
           bool_or(is_current AND len(high_risk_vendor_ids) > 0) AS names_high_risk
    FROM out_vendor__supply
    WHERE asset_kind = 'mobile_network' AND component IN ('ran', 'ran_4g', 'ran_5g')
    GROUP BY 1
),
container_terminals AS (
    SELECT asset_id FROM core_assets__assets WHERE asset_class = 'terminal' AND asset_type = 'container_terminal'
),
crane AS (
    SELECT DISTINCT asset_id FROM out_vendor__supply WHERE component = 'sts_cranes' AND asset_id IS NOT NULL
),
euro_cables AS (
    SELECT DISTINCT h.asset_id FROM core_assets__host_countries h JOIN europe USING (country_code)
    WHERE h.asset_id LIKE 'cable:%'
),
cable_rows AS (
    SELECT DISTINCT asset_id, bool_or(status <> 'not_disclosed') OVER (PARTITION BY asset_id) AS names_supplier
    FROM out_vendor__supply WHERE component = 'cable_system_supply' AND asset_id IS NOT NULL
),
m AS (
    SELECT 1 AS metric_order, 'operators with a sourced radio-network vendor row or a sourced not-disclosed row' AS metric,
           (SELECT count(*) FROM ran) AS numerator, (SELECT count(*) FROM core_supply__operators) AS denominator,
           'mobile network operators of the EU, EEA, UK and CH (operators.csv); target at least 90%' AS note
    UNION ALL SELECT 2, 'operators with a row naming their radio-network vendor',
           (SELECT count(*) FROM ran WHERE names_vendor), (SELECT count(*) FROM core_supply__operators), 'the rest have only not-disclosed rows'
    UNION ALL SELECT 3, 'operators with a current radio-network row naming a high-risk vendor of the profile',
           (SELECT count(*) FROM ran WHERE names_high_risk), (SELECT count(*) FROM core_supply__operators),
           'high-risk vendors: [[high_risk_vendors]] of the risk profile'
    UNION ALL SELECT 4, 'container terminal assets with a ship-to-shore crane row',
           (SELECT count(*) FROM container_terminals JOIN crane USING (asset_id)), (SELECT count(*) FROM container_terminals),
           'terminal assets of the build (asset_type container_terminal) that a crane row attaches to'
    UNION ALL SELECT 5, 'crane rows attached to a terminal asset',
           (SELECT count(*) FROM out_vendor__supply WHERE component = 'sts_cranes' AND asset_id IS NOT NULL),
           (SELECT count(*) FROM out_vendor__supply WHERE component = 'sts_cranes'),
           'a row naming a terminal the build does not have is reported (asset_unmatched) and counted here'
    UNION ALL SELECT 10, 'census terminals (issue 12) named by a crane row',
           (SELECT count(DISTINCT (asset_ref, unlocode)) FROM out_vendor__supply WHERE component = 'sts_cranes' AND unlocode IS NOT NULL),
           NULL, 'terminals of research/issue12/census named by a ship-to-shore crane row (the derive step gave them their UN/LOCODE); the census itself is not a table of the build'
    UNION ALL SELECT 6, 'cables landing in Europe with a supplier row',
           (SELECT count(*) FROM euro_cables JOIN cable_rows USING (asset_id)), (SELECT count(*) FROM euro_cables),
           'TeleGeography cables with a landing country in the EU, EEA, UK, CH, FO, GI, IM, JE or GG'
    UNION ALL SELECT 7, 'cables landing in Europe with a row naming the supplier',
           (SELECT count(*) FROM euro_cables JOIN cable_rows USING (asset_id) WHERE names_supplier), (SELECT count(*) FROM euro_cables),
           'the rest of the cables with a row have only not-disclosed rows'
    UNION ALL SELECT 8, 'supply rows attached to an asset',
           (SELECT count(*) FROM out_vendor__supply WHERE asset_id IS NOT NULL), (SELECT count(*) FROM out_vendor__supply),
           'unattached rows are problems (asset_unmatched) in out_build__problems'
    UNION ALL SELECT 9, 'supply rows flagged for review (needs_review)',
           (SELECT count(*) FROM out_vendor__supply WHERE needs_review), (SELECT count(*) FROM out_vendor__supply),
           'rows the researcher marked REVIEW: kept and shown with the flag'
)
SELECT metric_order, metric, CAST(numerator AS BIGINT) AS numerator, CAST(denominator AS BIGINT) AS denominator,
       CASE WHEN denominator > 0 THEN round(100.0 * numerator / denominator, 1) END AS pct, note
FROM m
ORDER BY metric_order;
