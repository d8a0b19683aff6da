-- A decision may annul or correct an earlier decision of its case (crates/portal/src/case/amend.rs).
-- Nothing is deleted: the earlier one stays listed, marked, next to the act that amended it.
ALTER TABLE decisions ADD COLUMN amends_decision_id INTEGER REFERENCES decisions (id);
ALTER TABLE decisions ADD COLUMN amendment TEXT
    CHECK (amendment IS NULL OR (amendment IN ('annuls', 'corrects') AND amends_decision_id IS NOT NULL));
-- One index for both needs: finding what amended a decision (its first column), and a decision
-- annulled once only, even by two supervisors at the same moment (an annulment's second column
-- is 0, so two collide; a correction's is its own id, so corrections never do).
CREATE UNIQUE INDEX decisions_amending ON decisions
    (amends_decision_id, CASE WHEN amendment = 'annuls' THEN 0 ELSE id END)
    WHERE amends_decision_id IS NOT NULL;
