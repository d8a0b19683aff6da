-- Each source keeps its own revocation of a certificate. With one row per certificate, an
-- admin's (or OCSP's) revocation of a certificate a loaded CRL already listed was dropped
-- (ON CONFLICT DO NOTHING), and the next CRL that no longer listed it (a hold lifted, or a CA's
-- mistake) deleted the only row: a stolen certificate signed in again. Now a CRL replaces only
-- its own rows, and a certificate is revoked while any source says so.
CREATE TABLE certificate_revocations_by_source (
    issuer_key  TEXT NOT NULL,
    serial_hex  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('admin', 'crl', 'ocsp', 'legacy')),
    revoked_at  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (issuer_key, serial_hex, source)
) STRICT, WITHOUT ROWID;
INSERT INTO certificate_revocations_by_source
    (issuer_key, serial_hex, reason, source, revoked_at, recorded_by)
SELECT issuer_key, serial_hex, reason, source, revoked_at, recorded_by FROM certificate_revocations;
DROP TABLE certificate_revocations;
ALTER TABLE certificate_revocations_by_source RENAME TO certificate_revocations;
CREATE INDEX certificate_revocations_by_serial ON certificate_revocations (serial_hex);
