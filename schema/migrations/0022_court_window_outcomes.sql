-- CPC art. 106: a complaint granted only in part, or left without consideration, opens the
-- window to go to the investigating judge just as a rejection does. The tick's reminder finds
-- the answers that open it by their decision time; its index now covers all of them
-- (`deadline::WINDOW_OUTCOMES_SQL` is this predicate, kept equal by a unit test).
DROP INDEX filings_rejected_by_decision;
CREATE INDEX filings_window_by_decision ON filings (decided_at)
    WHERE outcome IN ('partially_granted', 'rejected', 'left_without_consideration', 'refused')
      AND kind IN ('crime_report', 'complaint');
