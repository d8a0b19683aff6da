-- A status recorded in error (the wrong person, a status the person never had) is ended as
-- such: the row stays for the record, but the person keeps nothing of the case (no decisions
-- served through it stay readable, the case is not listed to them), and neither do those who
-- acted for them through it. What was served stays only after a status that truly ended.
ALTER TABLE case_participants ADD COLUMN entered_in_error INTEGER NOT NULL DEFAULT 0
    CHECK (entered_in_error IN (0, 1));
