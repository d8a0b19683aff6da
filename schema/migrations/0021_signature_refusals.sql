-- Signatures refused for the person who sent them (signed.rs): past
-- `signature_failures_per_person` in the lock-out window, that person's next checks wait
-- before any verification. The tick deletes rows past the window.
CREATE TABLE signature_refusals (
    id         INTEGER PRIMARY KEY,
    signer_iin TEXT    NOT NULL,
    at_unix    INTEGER NOT NULL
) STRICT;
CREATE INDEX signature_refusals_by_signer ON signature_refusals (signer_iin, at_unix);
