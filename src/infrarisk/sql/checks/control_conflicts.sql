-- severity: warning
-- tolerance: 20
-- why: several different controllers are named for one entity or asset (the strongest claim is used)
SELECT node_id, chosen_controller_id, other_controller_ids
FROM out_ownership__control_conflicts
ORDER BY node_id;
