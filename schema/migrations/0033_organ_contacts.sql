-- An organ's official contact (its reception's phone, e-mail, address), as the admin records
-- it: shown on the case page beside the officer who leads the case and the prosecutor who
-- supervises it, so a participant knows where to turn in writing or by phone.
ALTER TABLE organs ADD COLUMN contact TEXT;
