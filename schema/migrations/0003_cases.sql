-- Cases, the people with a procedural status in them, procedural decisions, materials, the
-- familiarisation rights that open materials, and the documents behind decisions and materials.

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    erdr_number      TEXT NOT NULL UNIQUE CHECK (length(erdr_number) = 15),
    registered_on    TEXT NOT NULL,
    organ_id         INTEGER NOT NULL REFERENCES organs (id),
    lead_officer_iin TEXT NOT NULL,
    prosecutor_iin   TEXT,
    articles         TEXT NOT NULL, -- JSON array of Criminal Code qualifications
    stage            TEXT NOT NULL CHECK (stage IN ('registered', 'under_investigation', 'suspended',
                                                    'terminated', 'sent_to_court', 'joined')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX cases_by_organ ON cases (organ_id, id);
CREATE INDEX cases_by_lead ON cases (lead_officer_iin, id);
CREATE INDEX cases_by_prosecutor ON cases (prosecutor_iin, id);

-- A request for a status, and once decided, the status. A request names an ERDR number that
-- may not exist (case_id NULL): it stays pending, so asking reveals nothing about existence.
CREATE TABLE case_participants (
    id              INTEGER PRIMARY KEY,
    erdr_number     TEXT NOT NULL,
    case_id         INTEGER REFERENCES cases (id),
    person_iin      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('suspect', 'accused', 'witness_with_defence',
                       'defender', 'legal_representative', 'representative', 'victim',
                       'private_prosecutor', 'civil_plaintiff', 'civil_defendant')),
    represented_iin TEXT,
    basis           TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('requested', 'confirmed', 'rejected', 'revoked')),
    requested_at    TEXT NOT NULL,
    due_unix        INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      TEXT,
    reason          TEXT
) STRICT;
CREATE INDEX participants_by_person ON case_participants (person_iin, state, case_id);
CREATE INDEX participants_by_case ON case_participants (case_id, state);
CREATE INDEX participants_pending ON case_participants (state, due_unix) WHERE state = 'requested';
CREATE UNIQUE INDEX participants_one_live_request ON case_participants
    (erdr_number, person_iin, status, ifnull(represented_iin, ''))
    WHERE state IN ('requested', 'confirmed');

-- Content-addressed documents, kept in chunks so no single row is huge.
CREATE TABLE documents (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE TABLE document_chunks (
    sha256 TEXT NOT NULL REFERENCES documents (sha256),
    idx    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    type            TEXT NOT NULL,
    -- The person a personal decision is about (recognition as victim or suspect, a preventive
    -- measure, ...): only they, those acting for them, and the other statuses the table names
    -- receive it.
    concerns_iin    TEXT,
    decided_on      TEXT NOT NULL,
    officer_iin     TEXT NOT NULL,
    title           TEXT NOT NULL,
    document_sha256 TEXT NOT NULL REFERENCES documents (sha256),
    filename        TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_by_case ON decisions (case_id, id);

CREATE TABLE materials (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    document_sha256 TEXT NOT NULL REFERENCES documents (sha256),
    filename        TEXT NOT NULL,
    added_by        TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX materials_by_case ON materials (case_id, id);

CREATE TABLE familiarisation_grants (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES case_participants (id),
    scope_all      INTEGER NOT NULL CHECK (scope_all IN (0, 1)),
    material_ids   TEXT NOT NULL DEFAULT '[]', -- JSON array when scope_all = 0
    granted_by     TEXT NOT NULL,
    granted_at     TEXT NOT NULL,
    until_unix     INTEGER,
    revoked_at     TEXT
) STRICT;
CREATE INDEX grants_by_participant ON familiarisation_grants (participant_id) WHERE revoked_at IS NULL;
