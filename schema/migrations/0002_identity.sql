-- Identity: people proven by EDS, officers and admins, sessions, sign-in challenges and the
-- counters that throttle guessing. Times are RFC 3339 UTC text; `*_unix` columns are seconds
-- since the epoch where the code compares times arithmetically.

CREATE TABLE persons (
    iin                 TEXT PRIMARY KEY CHECK (length(iin) = 12),
    full_name           TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    -- PHC string (Argon2id); NULL until the person sets a password after an EDS sign-in.
    password_hash       TEXT,
    password_changed_at TEXT
) STRICT;

-- Criminal prosecution bodies.
CREATE TABLE organs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    region     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE officers (
    iin        TEXT PRIMARY KEY CHECK (length(iin) = 12),
    full_name  TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('investigator', 'inquirer', 'prosecutor', 'head_of_unit')),
    organ_id   INTEGER NOT NULL REFERENCES organs (id),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

CREATE TABLE admins (
    iin        TEXT PRIMARY KEY CHECK (length(iin) = 12),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

-- The sessions' durable record, for listing and revoking; the key-value store holds the hot
-- copy that every request checks (keyed by the token's SHA-256, never the token).
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    iin         TEXT NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('eds', 'password')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    expires_unix INTEGER NOT NULL,
    client_addr TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
CREATE INDEX sessions_by_person ON sessions (iin, expires_unix);

-- Single-use sign-in challenges: consumed by one DELETE … RETURNING, so a nonce cannot be used
-- twice even by racing requests.
CREATE TABLE auth_challenges (
    nonce        TEXT PRIMARY KEY,
    expires_unix INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_challenges_expiry ON auth_challenges (expires_unix);

-- Failed sign-ins, one row each, counted exactly per IIN and per client address.
CREATE TABLE auth_failures (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('iin', 'client')),
    key         TEXT NOT NULL,
    at_unix     INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_failures_lookup ON auth_failures (scope, key, at_unix);

-- Certificates that admins have revoked, by serial number (hex, lower case, no leading zeros).
CREATE TABLE revoked_certificates (
    serial_hex TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    revoked_at TEXT NOT NULL,
    revoked_by TEXT NOT NULL
) STRICT;
