-- Notices that leave the portal: people's verified contacts and choices, the outbox the
-- dispatcher sends through the delivery webhook, and the once-only deadline alerts.

-- A person's e-mail address or phone number. Unverified until the code sent through the
-- channel itself comes back; only verified channels receive notices.
CREATE TABLE contacts (
    iin               TEXT NOT NULL CHECK (length(iin) = 12),
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address           TEXT NOT NULL,
    verified_at       TEXT,
    -- The pending code's SHA-256 (with the person and channel), its expiry and tries left.
    code_hash         TEXT,
    code_expires_unix INTEGER,
    code_tries_left   INTEGER NOT NULL DEFAULT 0,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (iin, channel)
) STRICT;

-- Codes sent, counted exactly per person (to rate-limit sending, and so guessing) and per
-- address (so nobody can flood someone else's phone or mailbox with codes).
CREATE TABLE contact_codes_sent (
    id      INTEGER PRIMARY KEY,
    iin     TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    at_unix INTEGER NOT NULL
) STRICT;
CREATE INDEX contact_codes_sent_by_person ON contact_codes_sent (iin, at_unix);
CREATE INDEX contact_codes_sent_by_address ON contact_codes_sent (address, at_unix);

-- The language notices are written in, which kinds go to which verified channels (JSON object
-- kind -> array of channels; a kind not named goes to every verified channel), and the
-- officer's daily digest.
CREATE TABLE notice_preferences (
    iin            TEXT PRIMARY KEY CHECK (length(iin) = 12),
    language       TEXT NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
    channels       TEXT NOT NULL DEFAULT '{}',
    officer_digest INTEGER NOT NULL DEFAULT 0 CHECK (officer_digest IN (0, 1)),
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX notice_preferences_digest ON notice_preferences (iin) WHERE officer_digest = 1;

-- One row per message per channel, written in the transaction of the change it reports.
-- `next_attempt_unix` is when a pending row is due; a tick that claims a row moves it forward
-- by the claim's lease, so a crash between sending and marking sends again (same id) and
-- never loses, and parallel ticks never take the same row.
CREATE TABLE outbox (
    id                TEXT PRIMARY KEY,
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_iin     TEXT NOT NULL,
    address           TEXT NOT NULL,
    language          TEXT NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
    template          TEXT NOT NULL,
    -- What the template is filled with: only what the recipient may already see. Cleared once
    -- a verification code is delivered.
    payload           TEXT NOT NULL DEFAULT '{}',
    state             TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    created_at        TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_unix INTEGER NOT NULL,
    last_attempt_at   TEXT,
    last_error        TEXT,
    sent_at           TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_unix) WHERE state = 'pending';
-- Codes go before everything else: they are useless after ten minutes.
CREATE INDEX outbox_codes_due ON outbox (next_attempt_unix)
    WHERE state = 'pending' AND template = 'verification_code';
CREATE INDEX outbox_by_state ON outbox (state, created_at);

-- The due time a filing's overdue escalation was sent for: the scheduler's index holds only
-- open filings not yet escalated for their current due time, so it never rescans the rest.
ALTER TABLE filings ADD COLUMN overdue_alerted_due_unix INTEGER;
CREATE INDEX filings_overdue_unalerted ON filings (due_unix)
    WHERE state IN ('submitted', 'under_review', 'extended')
      AND overdue_alerted_due_unix IS NOT due_unix;

-- Uploads never attached, by age, for their expiry.
CREATE INDEX attachments_unattached ON attachments (created_unix) WHERE filing_id IS NULL;

-- Alerts that must go once: the primary key makes "once" hold when ticks run in parallel.
-- subject is e.g. 'filing:42' with kind 'due_soon:<due>' or 'court_window', or
-- 'digest:<iin>' with the day.
CREATE TABLE deadline_alerts (
    subject TEXT NOT NULL,
    kind    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (subject, kind)
) STRICT;

-- The art. 106 reminder looks for rejections and refusals by the time of the answer.
CREATE INDEX filings_rejected_by_decision ON filings (decided_at)
    WHERE outcome IN ('rejected', 'refused') AND kind IN ('complaint', 'crime_report');

-- The scheduler finds the officers of an organ (its heads of unit, its handlers).
CREATE INDEX officers_by_organ ON officers (organ_id, role) WHERE active = 1;
