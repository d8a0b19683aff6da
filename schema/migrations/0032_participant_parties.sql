-- Who a participant is (crates/portal/src/party.rs): a person by IIN (the only one who signs
-- in), a legal entity by BIN (a victim or a civil party, acting through its representative),
-- or a foreigner without an IIN by their document (person_iin holds `foreigner:CC:NUMBER`).
ALTER TABLE case_participants ADD COLUMN party TEXT NOT NULL DEFAULT 'person'
    CHECK (party IN ('person', 'legal_entity', 'foreigner'));
