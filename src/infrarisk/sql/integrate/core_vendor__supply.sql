-- core_vendor__supply: every good supply row (core_supply__supply) with the asset it attaches to, or NULL and
-- the reason it attaches to none (the vendor stage reports those rows as problems and counts them):
--   mobile_network: the operator's network (core_vendor__networks);
--   container_terminal: the asset the integrate stage gave the census terminal of the same name and UN/LOCODE
--     (core_census__terminals -> core_assets__census_map: a census terminal that is a curated asset, or a new
--     one); else a terminal of core_assets__assets with the same name (case and accents folded) and the same
--     UN/LOCODE (the census code the derive step gave the row; without one, the same country);
--   submarine_cable: a cable of core_assets__assets with the same name (case folded) or id cable:<name>;
--   any kind: the reviewed alias table (core_supply__asset_aliases: kind, name, country -> asset id) first.
-- A name meeting two assets attaches to none ('ambiguous').
CREATE OR REPLACE TABLE core_vendor__supply AS
WITH s AS (
    SELECT *, lower(strip_accents(trim(CAST(asset_ref AS VARCHAR)))) AS key FROM core_supply__supply
),
alias AS (
    SELECT s.supply_id, min(a.asset_id) AS asset_id, count(*) AS n
    FROM s
    JOIN core_supply__asset_aliases al
      ON CAST(al.asset_kind AS VARCHAR) = s.asset_kind AND CAST(al.name AS VARCHAR) = s.asset_ref
     AND CAST(al.country_code AS VARCHAR) = s.country_code
    JOIN (SELECT asset_id FROM core_assets__assets UNION SELECT asset_id FROM core_vendor__networks) a
      ON a.asset_id = CAST(al.asset_id AS VARCHAR)
    WHERE s.asset_kind <> 'mobile_network'
    GROUP BY 1
),
census AS (
    SELECT s.supply_id, min(m.asset_id) AS asset_id, count(DISTINCT m.asset_id) AS n
    FROM s
    JOIN core_census__terminals c
      ON lower(strip_accents(trim(c.name))) = s.key AND c.unlocode = s.unlocode
    JOIN core_assets__census_map m ON m.terminal_id = c.terminal_id
    JOIN core_assets__assets a ON a.asset_id = m.asset_id
    WHERE s.asset_kind = 'container_terminal'
    GROUP BY 1
),
terminal AS (
    SELECT s.supply_id, min(t.asset_id) AS asset_id, count(*) AS n
    FROM s
    JOIN core_assets__assets t
      ON t.asset_class = 'terminal' AND lower(strip_accents(trim(t.name))) = s.key
     AND (CASE WHEN s.unlocode IS NOT NULL THEN t.unlocode = s.unlocode ELSE t.country_code = s.country_code END)
    WHERE s.asset_kind = 'container_terminal'
    GROUP BY 1
),
cable AS (
    SELECT s.supply_id, min(c.asset_id) AS asset_id, count(DISTINCT c.asset_id) AS n
    FROM s
    JOIN core_assets__assets c
      ON c.asset_class = 'cable' AND (lower(c.name) = s.key OR c.asset_id = 'cable:' || s.key)
    WHERE s.asset_kind = 'submarine_cable'
    GROUP BY 1
),
network AS (
    SELECT s.supply_id, n.asset_id, 1 AS n
    FROM s JOIN core_vendor__networks n ON n.operator_id = s.asset_ref
    WHERE s.asset_kind = 'mobile_network'
),
found AS (
    SELECT s.supply_id,
           coalesce(al.asset_id, CASE WHEN cs.n = 1 THEN cs.asset_id END,
                    CASE WHEN coalesce(t.n, c.n, nw.n) = 1 THEN coalesce(t.asset_id, c.asset_id, nw.asset_id) END)
               AS asset_id,
           CASE WHEN al.asset_id IS NOT NULL THEN 'alias'
                WHEN cs.n = 1 THEN 'census terminal (name and UN/LOCODE)'
                WHEN nw.asset_id IS NOT NULL THEN 'operator'
                WHEN t.n = 1 THEN CASE WHEN s.unlocode IS NOT NULL THEN 'terminal name and UN/LOCODE' ELSE 'terminal name and country' END
                WHEN c.n = 1 THEN 'cable name'
            END AS matched_by,
           CASE WHEN al.asset_id IS NOT NULL OR cs.n = 1 OR coalesce(t.n, c.n, nw.n) = 1 THEN NULL
                WHEN coalesce(t.n, c.n) > 1 THEN 'ambiguous: the name meets ' || coalesce(t.n, c.n) || ' assets'
                WHEN s.asset_kind = 'container_terminal' THEN 'no terminal asset of this name'
                    || CASE WHEN s.unlocode IS NOT NULL THEN ' at ' || s.unlocode ELSE ' in ' || s.country_code END
                WHEN s.asset_kind = 'submarine_cable' THEN 'no cable asset of this name or id'
                ELSE 'the build has no ' || s.asset_kind || ' assets'
            END AS unmatched_reason
    FROM s
    LEFT JOIN alias al USING (supply_id)
    LEFT JOIN census cs USING (supply_id)
    LEFT JOIN terminal t USING (supply_id)
    LEFT JOIN cable c USING (supply_id)
    LEFT JOIN network nw USING (supply_id)
)
SELECT f.asset_id, f.matched_by, f.unmatched_reason, s.* EXCLUDE (key)
FROM s JOIN found f USING (supply_id)
ORDER BY supply_id;
