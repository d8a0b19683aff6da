-- Filings (statements about a criminal offence, petitions, complaints), their attachments,
-- their timeline, and the notifications people receive.

-- Uploaded files waiting to be attached; unattached ones expire.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    owner_iin    TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES documents (sha256),
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    created_unix INTEGER NOT NULL,
    filing_id    INTEGER REFERENCES filings (id)
) STRICT;
CREATE INDEX attachments_by_owner ON attachments (owner_iin, created_unix);
CREATE INDEX attachments_by_filing ON attachments (filing_id) WHERE filing_id IS NOT NULL;

CREATE TABLE filings (
    id                    INTEGER PRIMARY KEY,
    registration_number   TEXT NOT NULL UNIQUE,
    kind                  TEXT NOT NULL CHECK (kind IN ('crime_report', 'petition', 'complaint')),
    filer_iin             TEXT NOT NULL,
    on_behalf_of_iin      TEXT,
    case_id               INTEGER REFERENCES cases (id),
    addressee             TEXT NOT NULL,
    subject               TEXT NOT NULL,
    challenged_decision_id INTEGER REFERENCES decisions (id),
    body                  TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('submitted', 'registered', 'under_review',
                              'extended', 'decided', 'withdrawn', 'forwarded', 'refused')),
    submitted_at          TEXT NOT NULL,
    submitted_unix        INTEGER NOT NULL,
    due_unix              INTEGER NOT NULL,
    content_sha256        TEXT NOT NULL,
    receipt               TEXT NOT NULL,
    idempotency_key       TEXT NOT NULL,
    request_sha256        TEXT NOT NULL
) STRICT;
-- One filing per (filer, Idempotency-Key): the constraint makes parallel duplicates safe.
CREATE UNIQUE INDEX filings_idempotency ON filings (filer_iin, idempotency_key);
CREATE INDEX filings_by_filer ON filings (filer_iin, id);
CREATE INDEX filings_by_beneficiary ON filings (on_behalf_of_iin, id) WHERE on_behalf_of_iin IS NOT NULL;
CREATE INDEX filings_by_case ON filings (case_id, state, due_unix);

CREATE TABLE filing_events (
    id        INTEGER PRIMARY KEY,
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    actor_iin TEXT,
    detail    TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX filing_events_by_filing ON filing_events (filing_id, id);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    recipient_iin TEXT NOT NULL,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    read_at       TEXT
) STRICT;
CREATE INDEX notifications_by_recipient ON notifications (recipient_iin, id);
