-- Art. 101: a detained person's petition or complaint is handed on within 24 hours. Until an
-- officer takes it up (under review or answered) the tick raises the alarm again and again;
-- this index holds exactly the filings it must look at, so the alarm scans nothing else.
CREATE INDEX filings_in_custody_waiting ON filings (submitted_unix)
    WHERE filed_in_detention = 1 AND state = 'submitted';
