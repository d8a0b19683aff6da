-- Filings signed with the filer's EDS (CPC art. 181: a statement about an offence is an
-- electronic document signed by the applicant). The CMS is kept exactly as it came, with the
-- exact bytes it signs (the filing's canonical content), so that anyone can check it later
-- with standard tools; who signed and when is kept beside it for the lists.
CREATE TABLE filing_signatures (
    filing_id      INTEGER PRIMARY KEY REFERENCES filings (id),
    cms            BLOB NOT NULL,
    cms_sha256     TEXT NOT NULL,
    signed_content TEXT NOT NULL,
    signer_iin     TEXT NOT NULL,
    signer_name    TEXT NOT NULL,
    signer_serial  TEXT NOT NULL,
    signing_time   TEXT NOT NULL,
    verified_at    TEXT NOT NULL
);
