-- severity: warning
-- tolerance: 100
-- why: the curated note says an entity is state-owned but its recorded control chain does not reach a state or state body (a missing parent link)
SELECT e.entity_id, e.state_owned_note, o.control_chain
FROM core_ownership__entities e
JOIN out_ownership__entities o USING (entity_id)
WHERE e.state_owned_note ILIKE 'yes (%'
  AND NOT o.is_state_controlled AND NOT o.is_state
ORDER BY e.entity_id;
