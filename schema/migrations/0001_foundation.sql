-- The append-only audit log that every feature writes together with each state change, in the
-- same transaction. Each row carries the SHA-256 of the previous row's hash and its own
-- canonical content (see jaria_portal::audit), so altering or deleting a row breaks the chain.
-- Triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_iin   TEXT,
    actor_role  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    -- The case the row concerns, if any: the citizen's view of who touched their case.
    case_id     INTEGER,
    client_addr TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '{}',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL UNIQUE
) STRICT;

CREATE INDEX audit_log_actor ON audit_log (actor_iin, at);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
CREATE INDEX audit_log_case ON audit_log (case_id, id) WHERE case_id IS NOT NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
