-- The officer's side of filings: where a crime report was sent, and the answer to each filing.

-- The organ a crime report is addressed to (petitions and complaints reach their case's officers).
ALTER TABLE filings ADD COLUMN organ_id INTEGER REFERENCES organs (id);
ALTER TABLE filings ADD COLUMN outcome TEXT;
ALTER TABLE filings ADD COLUMN answer TEXT;
ALTER TABLE filings ADD COLUMN answer_document_sha256 TEXT REFERENCES documents (sha256);
ALTER TABLE filings ADD COLUMN answer_filename TEXT;
ALTER TABLE filings ADD COLUMN decided_by TEXT;
ALTER TABLE filings ADD COLUMN decided_at TEXT;
-- A registered crime report: the ERDR number of the case it opened or joined.
ALTER TABLE filings ADD COLUMN result_erdr_number TEXT;
-- A forwarded filing: to whom.
ALTER TABLE filings ADD COLUMN forwarded_to TEXT;

CREATE INDEX filings_by_organ ON filings (organ_id, due_unix) WHERE organ_id IS NOT NULL;
CREATE INDEX filings_open_by_due ON filings (due_unix, id) WHERE state IN ('submitted', 'under_review', 'extended');
CREATE INDEX notifications_unread ON notifications (recipient_iin, id) WHERE read_at IS NULL;
