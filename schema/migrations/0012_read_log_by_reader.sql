-- Proof of service reads one person's reads of one case (their first listing and download of
-- each decision) at every listing of the decisions: find them without scanning every read of
-- the case.
CREATE INDEX read_log_case_reader ON read_log (case_id, actor_iin, action) WHERE case_id IS NOT NULL;
