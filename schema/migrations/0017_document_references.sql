-- What refers to a stored document, indexed, so that a document nothing refers to any more
-- (an upload that expired unattached) can be found and reclaimed without scanning the tables.
-- (document_signatures is keyed by document already.)
CREATE INDEX attachments_by_document ON attachments (sha256);
CREATE INDEX decisions_by_document ON decisions (document_sha256);
CREATE INDEX materials_by_document ON materials (document_sha256);
CREATE INDEX filings_by_answer_document ON filings (answer_document_sha256)
    WHERE answer_document_sha256 IS NOT NULL;
