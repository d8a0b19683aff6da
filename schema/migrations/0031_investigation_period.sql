-- Art. 192: a decision extending the period of the pre-trial investigation names its new last
-- day (crates/portal/src/case/term.rs counts the period from it); no other decision has one.
ALTER TABLE decisions ADD COLUMN extended_until TEXT
    CHECK (extended_until IS NULL OR (type = 'extension_of_investigation_period' AND amendment IS NOT 'annuls'));
