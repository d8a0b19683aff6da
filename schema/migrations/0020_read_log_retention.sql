-- Read rows are kept for `read_log_retention_days` (audit.rs prune_reads): past it, the tick
-- deletes them a whole seal at a time, and writes a `reads_pruned` row into the hash chain
-- naming the range and its cut-off. The seal rows stay in the chain with their digests, so
-- the verifier (`jaria audit verify`) accepts a range only as pruned by such a row, only if
-- the seal was made before that cut-off, and only if the counters below agree with the chain;
-- rows missing from any other range are still tampering. Proof of service
-- (decision_first_reads) is kept apart and is not pruned.

-- Each seal's chain row (`reads_sealed`), by the last read row it covers: when a seal was
-- made is read from the chain, which cannot be backdated without breaking it.
CREATE TABLE read_seals (
    to_row   INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL
) STRICT;
INSERT INTO read_seals (to_row, audit_id)
    SELECT json_extract(detail, '$.to'), id FROM audit_log WHERE action = 'reads_sealed';
CREATE TRIGGER read_seals_no_update BEFORE UPDATE ON read_seals
BEGIN
    SELECT RAISE(ABORT, 'read_seals is append-only');
END;

-- How far read rows are pruned. Only rows (and seal entries) at or below it may be deleted;
-- it moves only forward and never past what is sealed; what is sealed moves only forward and
-- never past the newest read; the one row is neither added nor removed.
ALTER TABLE read_log_sealed ADD COLUMN pruned_up_to INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER read_log_sealed_forward BEFORE UPDATE ON read_log_sealed
    WHEN new.only IS NOT old.only
      OR new.up_to < old.up_to
      OR new.up_to > (SELECT ifnull(max(id), 0) FROM read_log)
      OR new.pruned_up_to < old.pruned_up_to
      OR new.pruned_up_to > old.up_to
BEGIN
    SELECT RAISE(ABORT, 'read rows are sealed and pruned forward only, and pruned only once sealed');
END;
CREATE TRIGGER read_log_sealed_no_insert BEFORE INSERT ON read_log_sealed
BEGIN
    SELECT RAISE(ABORT, 'read_log_sealed has its one row');
END;
CREATE TRIGGER read_log_sealed_no_delete BEFORE DELETE ON read_log_sealed
BEGIN
    SELECT RAISE(ABORT, 'read_log_sealed has its one row');
END;
CREATE TRIGGER read_seals_no_delete BEFORE DELETE ON read_seals
    WHEN old.to_row > coalesce((SELECT pruned_up_to FROM read_log_sealed WHERE only = 1), 0)
BEGIN
    SELECT RAISE(ABORT, 'read_seals keeps every seal not pruned');
END;
DROP TRIGGER read_log_no_delete;
CREATE TRIGGER read_log_no_delete BEFORE DELETE ON read_log
    WHEN old.id > coalesce((SELECT pruned_up_to FROM read_log_sealed WHERE only = 1), 0)
BEGIN
    SELECT RAISE(ABORT, 'read_log is append-only until pruned by the retention rule');
END;
