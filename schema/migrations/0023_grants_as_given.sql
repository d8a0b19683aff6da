-- A familiarisation grant of "all" opens the materials the case has when it is given, not
-- those added later (arts. 294-296: what to open is the officer's decision; a new material
-- is opened by a new grant). A grant keeps its list either way; grants of "all" given before
-- this migration get the materials added up to the moment they were given.
UPDATE familiarisation_grants
SET material_ids = (
    SELECT json_group_array(m.id) FROM materials m
    JOIN case_participants p ON p.case_id = m.case_id
    WHERE p.id = familiarisation_grants.participant_id
      AND m.created_at <= familiarisation_grants.granted_at
)
WHERE scope_all = 1;
