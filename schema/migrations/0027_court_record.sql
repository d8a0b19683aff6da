-- The court's part of a complaint to the investigating judge (arts. 106-107), as the officer
-- records it from the court's papers: when the court received it and whether with a hearing,
-- and the judge's order (date and outcome). The filer is shown the judge's period and the
-- art. 107 appeal window counted from these.
ALTER TABLE filings ADD COLUMN court_received_on TEXT;
ALTER TABLE filings ADD COLUMN court_hearing INTEGER CHECK (court_hearing IN (0, 1));
ALTER TABLE filings ADD COLUMN court_decided_on TEXT;
ALTER TABLE filings ADD COLUMN court_outcome TEXT
    CHECK (court_outcome IN ('granted', 'partially_granted', 'rejected', 'returned'));
