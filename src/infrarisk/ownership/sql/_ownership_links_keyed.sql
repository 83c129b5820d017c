-- _ownership_links_keyed: the links as the loader reads them, with the integer keys the
-- integrate stage wrote: owner_no, the owner's entity_no; subject_no, the entity_no of a
-- subject that is no asset (NULL where the id names no entity). See _ownership_keys.sql for
-- tables without them.
CREATE OR REPLACE TEMP VIEW _ownership_links_keyed AS
SELECT link_id, subject_kind, subject_id, owner_entity_id, owner_no, subject_no, interest_type, relationship,
       share_min, share_max, is_current, is_control, is_control_stated, control_basis
FROM core_ownership__links
