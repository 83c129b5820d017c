-- out_vendor__country_figures: each published country figure (core_supply__country_figures: share of Chinese
-- vendors in a country's 4G/5G radio network) beside the figure computed from the operator rows, both sourced.
-- Computed: of the country's operators (core_supply__operators; all of them for EU+) whose current radio-network
-- rows of that generation (ran_5g or ran for 5G, ran_4g or ran for 4G) name a vendor, the percentage with a row
-- naming a vendor controlled from CN (core_vendor__entities) — a count of operators, not of equipment, so the two
-- figures measure different things and are shown side by side, never merged.
CREATE OR REPLACE TABLE out_vendor__country_figures AS
WITH figs AS (
    SELECT *, CASE WHEN metric ILIKE '%5G%' THEN 'ran_5g' WHEN metric ILIKE '%4G%' THEN 'ran_4g' END AS generation
    FROM core_supply__country_figures
),
op_rows AS (
    SELECT o.operator_id, o.country_code, s.supply_id, s.component,
           list_contains(s.vendor_country_codes, 'CN') AS names_cn
    FROM core_supply__operators o
    JOIN out_vendor__supply s ON s.asset_kind = 'mobile_network' AND s.asset_ref = o.operator_id
    WHERE s.is_current AND s.status <> 'not_disclosed' AND len(s.vendor_ids) > 0
),
per_fig AS (
    SELECT f.figure_id,
           count(DISTINCT r.operator_id) AS n_operators_disclosed,
           count(DISTINCT r.operator_id) FILTER (WHERE r.names_cn) AS n_operators_cn,
           list_sort(list_distinct(list(r.operator_id) FILTER (WHERE r.names_cn))) AS operators_cn,
           list_sort(list_distinct(list(r.supply_id))) AS computed_supply_ids
    FROM figs f
    JOIN op_rows r ON (f.country_code IN ('EU', 'EU+') OR r.country_code = f.country_code)
                  AND r.component IN ('ran', f.generation)
    GROUP BY f.figure_id
),
n_ops AS (
    SELECT f.figure_id, count(o.operator_id) AS n_operators
    FROM figs f LEFT JOIN core_supply__operators o ON f.country_code IN ('EU', 'EU+') OR o.country_code = f.country_code
    GROUP BY f.figure_id
)
SELECT
    f.figure_id, f.country_code, f.metric, f.value_pct AS published_pct, f.bound AS published_bound, f.year,
    f.publisher, f.source_url AS published_source_url, f.source_date AS published_source_date,
    f.needs_review AS published_needs_review,
    CASE WHEN f.generation IS NULL OR coalesce(p.n_operators_disclosed, 0) = 0 THEN NULL
         ELSE round(100.0 * p.n_operators_cn / p.n_operators_disclosed, 1) END AS computed_pct,
    CASE WHEN f.generation IS NULL THEN 'not comparable: the published metric is not a radio-network share'
         ELSE 'operators whose current ' || f.generation || '/ran rows name a vendor controlled from CN, of those whose rows name any vendor (a count of operators, not of equipment)'
    END AS computed_basis,
    n.n_operators, coalesce(p.n_operators_disclosed, 0) AS n_operators_disclosed, coalesce(p.n_operators_cn, 0) AS n_operators_cn,
    coalesce(p.operators_cn, CAST([] AS VARCHAR[])) AS operators_cn,
    coalesce(p.computed_supply_ids, CAST([] AS VARCHAR[])) AS computed_supply_ids,
    'datasets/supply/supply.csv (rows listed in computed_supply_ids, each with its source URL and date)' AS computed_source
FROM figs f
JOIN n_ops n USING (figure_id)
LEFT JOIN per_fig p USING (figure_id)
ORDER BY f.figure_id;
