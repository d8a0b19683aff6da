-- Sign-in challenges are no longer stored when issued (crates/portal/src/challenge.rs): a
-- nonce carries its issue time and a MAC under this key, made once by the first node that
-- needs it. Only a challenge answered is recorded, once, until its life is over.
-- (auth_challenges stays while older nodes of a rolling upgrade may still write it; the tick
-- empties it.)
CREATE TABLE challenge_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
);
CREATE TABLE spent_challenges (
    nonce TEXT PRIMARY KEY,
    expires_unix INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX spent_challenges_by_expiry ON spent_challenges (expires_unix);
-- A sign-in started in eGov mobile is the one anonymous write a free challenge leads to:
-- counted per client (egov_mobile.rs).
ALTER TABLE egov_mobile_signings ADD COLUMN client_key TEXT;
CREATE INDEX egov_mobile_signings_by_client ON egov_mobile_signings (client_key, created_unix)
    WHERE client_key IS NOT NULL;
-- Past a day's SMS allowance a person's notices are folded into a digest (delivery.rs):
-- the day's SMS of one person, counted at every notice.
CREATE INDEX outbox_sms_by_recipient ON outbox (recipient_iin, created_at) WHERE channel = 'sms';
