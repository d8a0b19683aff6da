-- Art. 100: anyone whose interests an act affects may complain, party to the case or not. Such
-- a complaint is tied to no case of its filer's: it keeps the ERDR number as they named it
-- (whether or not a case has it), and goes to the organ that number names or its prosecutor's
-- office (`organ_id`).
ALTER TABLE filings ADD COLUMN named_erdr_number TEXT
    CHECK (named_erdr_number IS NULL OR (length(named_erdr_number) = 15 AND named_erdr_number NOT GLOB '*[^0-9]*'));
