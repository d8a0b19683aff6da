-- Whether the certificate's revocation status was established when the session began, or let
-- through unknown (OCSP silent, a revocation list out of date) by `revocation_check_failure`.
-- "Closed for officers" is then kept for the session's whole life: a power granted to its
-- person later is not the session's (auth.rs, `authenticate`).
ALTER TABLE sessions ADD COLUMN revocation_unknown INTEGER NOT NULL DEFAULT 0;
