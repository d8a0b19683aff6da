-- Read rows are kept for `read_log_retention_days` (audit.rs prune_reads): past it, the tick
-- deletes them a whole seal at a time, and writes a `reads_pruned` row into the hash chain
-- naming the range. The seal rows stay in the chain with their digests, so the verifier
-- (`jaria audit verify`) accepts a range only as pruned by such a row; rows missing from any
-- other range are still tampering. Proof of service (decision_first_reads) is kept apart and
-- is not pruned.

-- Where each seal ends, and when it was made: every row of a seal was logged before it, so a
-- seal made before the cut-off holds only rows older than it.
CREATE TABLE read_seals (
    to_row    INTEGER PRIMARY KEY,
    sealed_at TEXT    NOT NULL
) STRICT;
INSERT INTO read_seals (to_row, sealed_at)
    SELECT json_extract(detail, '$.to'), at FROM audit_log WHERE action = 'reads_sealed';

-- How far read rows are pruned: only rows at or below it may be deleted, and it moves only
-- forward, never past what is sealed.
ALTER TABLE read_log_sealed ADD COLUMN pruned_up_to INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER read_log_sealed_pruned_forward BEFORE UPDATE OF pruned_up_to ON read_log_sealed
    WHEN new.pruned_up_to < old.pruned_up_to OR new.pruned_up_to > new.up_to
BEGIN
    SELECT RAISE(ABORT, 'read rows are pruned forward, and only once sealed');
END;
DROP TRIGGER read_log_no_delete;
CREATE TRIGGER read_log_no_delete BEFORE DELETE ON read_log
    WHEN old.id > (SELECT pruned_up_to FROM read_log_sealed WHERE only = 1)
BEGIN
    SELECT RAISE(ABORT, 'read_log is append-only until pruned by the retention rule');
END;
