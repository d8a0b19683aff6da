-- What was served stays with the person. When a status ends (the revoking order, a defender's
-- withdrawal), everyone whose access ends with it keeps, read-only, the decisions it gave them
-- until then (a released suspect keeps the termination order); nothing new reaches them. The
-- set is written once, in the transaction that ends the status, from the visibility rules as
-- they stood: later decisions, or a later change of the rules, cannot widen it.
CREATE TABLE served_decisions (
    case_id     INTEGER NOT NULL,
    person_iin  TEXT    NOT NULL,
    decision_id INTEGER NOT NULL,
    kept_at     TEXT    NOT NULL,
    PRIMARY KEY (case_id, person_iin, decision_id)
) STRICT, WITHOUT ROWID;

-- Statuses that ended before this migration: what the proof of service shows their holder was
-- given (listed or downloaded) before the end, no more.
INSERT OR IGNORE INTO served_decisions (case_id, person_iin, decision_id, kept_at)
    SELECT r.case_id, r.reader_iin, r.decision_id, p.decided_at
    FROM decision_first_reads r
    JOIN case_participants p
      ON p.case_id = r.case_id AND p.person_iin = r.reader_iin AND p.state = 'revoked'
    WHERE min(ifnull(r.first_listed_at, r.first_downloaded_at),
              ifnull(r.first_downloaded_at, r.first_listed_at)) <= p.decided_at;
