-- Security: sessions whose only truth is this database, certificates named by issuer and
-- serial, revocation lists, atomic sign-in throttling, organ codes, the prosecutor's organ of a
-- case, and signed checkpoints of the audit chain. See docs/security.md.

-- Sessions live here alone (no key-value copy that a revocation could race): every request
-- reads its session, and the idle-time touch is a conditional update that cannot bring a
-- revoked session back.
ALTER TABLE sessions ADD COLUMN created_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_unix INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN idle_timeout_secs INTEGER NOT NULL DEFAULT 1800;
ALTER TABLE sessions ADD COLUMN csrf_hash TEXT NOT NULL DEFAULT '';
-- The EDS session whose certificate proves this one: itself for an EDS sign-in, the session
-- that set the password for a password sign-in. A revocation of that certificate ends both.
ALTER TABLE sessions ADD COLUMN proof_session_id TEXT;
ALTER TABLE sessions ADD COLUMN revoked_reason TEXT;
CREATE INDEX sessions_by_proof ON sessions (proof_session_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_live_by_person ON sessions (iin) WHERE revoked_at IS NULL;
-- Sessions of earlier versions kept their secrets in the key-value store, which is no longer
-- read: they end here, and their holders sign in again.
UPDATE sessions SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), revoked_reason = 'upgrade'
WHERE revoked_at IS NULL;

-- Every certificate (leaf and intermediates) on the path that proved an EDS session.
CREATE TABLE session_certificates (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    issuer_key TEXT NOT NULL,
    serial_hex TEXT NOT NULL,
    PRIMARY KEY (session_id, issuer_key, serial_hex)
) STRICT, WITHOUT ROWID;
CREATE INDEX session_certificates_by_certificate ON session_certificates (issuer_key, serial_hex);

-- The EDS session a password was set from (directly, or through the password sessions it
-- led to); a revocation of that session's certificate voids the password.
ALTER TABLE persons ADD COLUMN password_proof_session_id TEXT;
ALTER TABLE persons ADD COLUMN password_voided_at TEXT;
CREATE INDEX persons_by_password_proof ON persons (password_proof_session_id)
    WHERE password_proof_session_id IS NOT NULL;
-- Passwords set before this version have no known proof, so no revocation could void them:
-- they are void now, and their holders set a new one after an EDS sign-in.
UPDATE persons SET password_hash = NULL, password_voided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE password_hash IS NOT NULL;

-- Revocations name the issuer (SHA-256 of the issuer's distinguished name, DER) and the serial:
-- serial 1 of one CA is not serial 1 of another. `*` marks an entry recorded before issuers
-- were named; it blocks that serial under every issuer rather than let a revoked one in.
CREATE TABLE certificate_revocations (
    issuer_key  TEXT NOT NULL,
    serial_hex  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('admin', 'crl', 'ocsp', 'legacy')),
    revoked_at  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (issuer_key, serial_hex)
) STRICT, WITHOUT ROWID;
CREATE INDEX certificate_revocations_by_serial ON certificate_revocations (serial_hex);
INSERT INTO certificate_revocations (issuer_key, serial_hex, reason, source, revoked_at, recorded_by)
SELECT '*', serial_hex, reason, 'legacy', revoked_at, revoked_by FROM revoked_certificates;
DROP TABLE revoked_certificates;

-- Revocation lists loaded, newest per issuer deciding staleness.
CREATE TABLE crls (
    id               INTEGER PRIMARY KEY,
    issuer_key       TEXT NOT NULL,
    this_update_unix INTEGER NOT NULL,
    next_update_unix INTEGER NOT NULL,
    crl_number       TEXT,
    sha256           TEXT NOT NULL,
    entries          INTEGER NOT NULL,
    loaded_at        TEXT NOT NULL,
    loaded_by        TEXT NOT NULL
) STRICT;
CREATE INDEX crls_by_issuer ON crls (issuer_key, this_update_unix);

-- Sign-in challenges carry what the signature must cover (purpose, origin, nonce), and who
-- asked for them, so that issuing them can be limited per client.
ALTER TABLE auth_challenges ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_challenges ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_challenges ADD COLUMN created_unix INTEGER NOT NULL DEFAULT 0;
CREATE INDEX auth_challenges_by_client ON auth_challenges (client_key, created_unix);
DELETE FROM auth_challenges;

-- A failure row is written before a password is checked (an attempt holds its place in the
-- count while it runs) and removed if the password was right: parallel guesses see each other.
ALTER TABLE auth_failures ADD COLUMN attempt TEXT;
CREATE INDEX auth_failures_by_attempt ON auth_failures (attempt) WHERE attempt IS NOT NULL;
-- One row per lock-out: a refused attempt during a lock writes nothing more.
CREATE TABLE auth_lockouts (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    until_unix  INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;

-- An organ's code: the region, district and agency digits of the ERDR numbers it registers
-- (digits 3–8 of the 15). Organs made before codes existed register nothing until an admin
-- sets one.
ALTER TABLE organs ADD COLUMN code TEXT CHECK (code IS NULL OR (length(code) = 6 AND code NOT GLOB '*[^0-9]*'));
CREATE UNIQUE INDEX organs_by_code ON organs (code) WHERE code IS NOT NULL;

-- The organ the supervising prosecutor served in when assigned: moving to another organ ends
-- their supervision of the old one's cases.
ALTER TABLE cases ADD COLUMN prosecutor_organ_id INTEGER REFERENCES organs (id);
UPDATE cases SET prosecutor_organ_id = (SELECT organ_id FROM officers WHERE officers.iin = cases.prosecutor_iin)
WHERE prosecutor_iin IS NOT NULL;
CREATE INDEX cases_by_prosecutor_organ ON cases (prosecutor_organ_id, id) WHERE prosecutor_organ_id IS NOT NULL;

-- Signed checkpoints of the audit chain: an Ed25519 signature (key outside the database, the
-- `audit_signing_key` variable) over a row's id and hash. Whoever can write this file cannot
-- rewrite the chain up to a checkpoint without the key.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    audit_id  INTEGER NOT NULL UNIQUE,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
