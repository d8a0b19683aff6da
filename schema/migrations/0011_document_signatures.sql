-- Officers' documents signed with their EDS: a procedural decision, a material, an answer's
-- document. The CMS (detached, over the document's bytes) is kept as it came, by document and
-- signer, so that participants download it beside the document and check who signed it.
CREATE TABLE document_signatures (
    document_sha256 TEXT NOT NULL REFERENCES documents (sha256),
    signer_iin      TEXT NOT NULL,
    cms             BLOB NOT NULL,
    cms_sha256      TEXT NOT NULL,
    signer_name     TEXT NOT NULL,
    signer_serial   TEXT NOT NULL,
    signing_time    TEXT NOT NULL,
    verified_at     TEXT NOT NULL,
    PRIMARY KEY (document_sha256, signer_iin)
) STRICT;
