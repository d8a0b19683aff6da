-- Signings with the key in the eGov mobile app (NITEC's QR / cross-device protocol,
-- crates/portal/src/egov_mobile.rs). A row lives minutes: from the page's start, through the
-- phone's PUT (cms set), to the page collecting it (deleted) or its expiry (deleted by the tick).
CREATE TABLE egov_mobile_signings (
    -- In API 1's address (the QR): 256 random bits.
    id                TEXT PRIMARY KEY,
    -- API 2's bearer, which API 1 hands to whoever holds the address.
    phone_token       TEXT NOT NULL,
    -- The page's secret for the result, as its SHA-256.
    poll_token_sha256 TEXT NOT NULL,
    purpose           TEXT NOT NULL CHECK (purpose IN ('sign_in', 'document')),
    -- sign_in: the challenge it answers (one signing per challenge).
    nonce             TEXT UNIQUE,
    -- document: the only person whose signature is taken.
    signer_iin        TEXT,
    title             TEXT NOT NULL,
    -- Exactly the bytes to sign (UTF-8).
    document          TEXT NOT NULL,
    -- The phone's CMS, once verified.
    cms               BLOB,
    created_unix      INTEGER NOT NULL,
    expires_unix      INTEGER NOT NULL,
    CHECK ((purpose = 'sign_in') = (nonce IS NOT NULL)),
    CHECK ((purpose = 'document') = (signer_iin IS NOT NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX egov_mobile_signings_expiry ON egov_mobile_signings (expires_unix);
