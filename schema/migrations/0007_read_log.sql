-- Reads of personal and case data are logged in a table of their own: one row per read, one
-- INSERT, so a read takes SQLite's write lock for a single statement instead of a whole
-- transaction that reads the chain's last hash. The rows join the hash chain in batches:
-- a `reads_sealed` row of audit_log carries the SHA-256 of every read row in its range
-- (jaria_portal::audit::seal_reads), so altering, removing or inserting a read row once sealed
-- breaks the chain like any other row. Reads are sealed by the scheduled tick and by state
-- changes once enough are waiting.
CREATE TABLE read_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_iin   TEXT,
    actor_role  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    case_id     INTEGER,
    client_addr TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX read_log_case ON read_log (case_id, id) WHERE case_id IS NOT NULL;

CREATE TRIGGER read_log_no_update BEFORE UPDATE ON read_log
BEGIN
    SELECT RAISE(ABORT, 'read_log is append-only');
END;
CREATE TRIGGER read_log_no_delete BEFORE DELETE ON read_log
BEGIN
    SELECT RAISE(ABORT, 'read_log is append-only');
END;

-- How far read_log is sealed into the chain (one row).
CREATE TABLE read_log_sealed (
    only  INTEGER PRIMARY KEY CHECK (only = 1),
    up_to INTEGER NOT NULL
) STRICT;
INSERT INTO read_log_sealed (only, up_to) VALUES (1, 0);
