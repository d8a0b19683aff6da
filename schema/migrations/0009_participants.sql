-- Participants as the register records them. The officer's procedural decision (recognition as
-- victim or suspect, admission of a defender, ...) makes a person a participant: the officer
-- records it, and the person sees the case without asking. A registered crime report makes its
-- filer an applicant in the case. Ending a status keeps its row (history) with the date it ended.

-- SQLite cannot change a CHECK: the table is rebuilt (the documented twelve-step way) to admit
-- the applicant status and to carry who the person is, where the record came from and its dates.
CREATE TABLE case_participants_new (
    id              INTEGER PRIMARY KEY,
    erdr_number     TEXT NOT NULL,
    case_id         INTEGER REFERENCES cases (id),
    person_iin      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('suspect', 'accused', 'witness_with_defence',
                       'defender', 'legal_representative', 'representative', 'victim',
                       'private_prosecutor', 'civil_plaintiff', 'civil_defendant', 'applicant')),
    represented_iin TEXT,
    basis           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('requested', 'confirmed', 'rejected', 'revoked')),
    requested_at    TEXT NOT NULL,
    due_unix        INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      TEXT,
    reason          TEXT,
    -- How the row came to be: the person asked, an officer recorded the status, or the
    -- person's statement was registered as this case.
    origin          TEXT NOT NULL DEFAULT 'request' CHECK (origin IN ('request', 'record', 'statement')),
    -- The name as the officer recorded it (the person may never have signed in).
    full_name       TEXT,
    -- The date of the decision or warrant the status rests on.
    basis_date      TEXT,
    -- The date the status ended (recognition revoked, defender withdrawn); access ends with it.
    ended_on        TEXT
) STRICT;
INSERT INTO case_participants_new (id, erdr_number, case_id, person_iin, status, represented_iin,
    basis, state, requested_at, due_unix, decided_by, decided_at, reason)
SELECT id, erdr_number, case_id, person_iin, status, represented_iin, basis, state, requested_at,
    due_unix, decided_by, decided_at, reason FROM case_participants;
UPDATE case_participants_new SET ended_on = substr(decided_at, 1, 10)
    WHERE state = 'revoked' AND decided_at IS NOT NULL;
DROP TABLE case_participants;
ALTER TABLE case_participants_new RENAME TO case_participants;
CREATE INDEX participants_by_person ON case_participants (person_iin, state, case_id);
CREATE INDEX participants_by_case ON case_participants (case_id, state);
CREATE INDEX participants_pending ON case_participants (state, due_unix) WHERE state = 'requested';
CREATE UNIQUE INDEX participants_one_live_request ON case_participants
    (erdr_number, person_iin, status, ifnull(represented_iin, ''))
    WHERE state IN ('requested', 'confirmed');
-- Those acting for a person, found from the person (ending a principal's status is seen at
-- once by their defender's next read).
CREATE INDEX participants_by_represented ON case_participants (case_id, represented_iin)
    WHERE represented_iin IS NOT NULL;

-- Art. 42-1: a reasoned order switches the case back to paper; the portal then shows it
-- read-only with a notice and takes no new filings or documents for it.
ALTER TABLE cases ADD COLUMN paper_since TEXT;
ALTER TABLE cases ADD COLUMN paper_decision_id INTEGER REFERENCES decisions (id);

-- Art. 101: a complaint or petition of a detained person is handed on within 24 hours.
ALTER TABLE filings ADD COLUMN filed_in_detention INTEGER NOT NULL DEFAULT 0
    CHECK (filed_in_detention IN (0, 1));

-- A filing forwarded to another organ moves into that organ's queue; each move is kept, so
-- both the sending and the receiving organ see it.
CREATE TABLE filing_forwardings (
    id             INTEGER PRIMARY KEY,
    filing_id      INTEGER NOT NULL REFERENCES filings (id),
    from_organ_id  INTEGER REFERENCES organs (id),
    to_organ_id    INTEGER NOT NULL REFERENCES organs (id),
    forwarded_by   TEXT NOT NULL,
    forwarded_at   TEXT NOT NULL,
    reasoning      TEXT NOT NULL
) STRICT;
CREATE INDEX forwardings_by_filing ON filing_forwardings (filing_id, id);
CREATE INDEX forwardings_from_organ ON filing_forwardings (from_organ_id, id);
CREATE INDEX forwardings_to_organ ON filing_forwardings (to_organ_id, id);

-- Proof of service: a participant's reads of a case's decisions are found by case and action.
CREATE INDEX read_log_case_action ON read_log (case_id, action, actor_iin) WHERE case_id IS NOT NULL;
