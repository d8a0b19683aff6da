-- Proof of service (when each person first saw a decision listed, and first downloaded it)
-- kept as it happens, instead of found again at every listing among all of the reader's reads
-- of the case: that search grew with every read (a person listing the decisions 35 000 times
-- made each listing scan 35 000 rows), a cost any participant could inflate at will. The read
-- log stays the record; this table is derived from it, row by row, in the statement that
-- writes each read (the triggers below), and can be rebuilt from it.
CREATE TABLE decision_first_reads (
    decision_id         INTEGER NOT NULL,
    reader_iin          TEXT    NOT NULL,
    case_id             INTEGER NOT NULL,
    first_listed_at     TEXT,
    first_downloaded_at TEXT,
    PRIMARY KEY (decision_id, reader_iin)
) STRICT, WITHOUT ROWID;
CREATE INDEX decision_first_reads_by_reader ON decision_first_reads (case_id, reader_iin);

INSERT INTO decision_first_reads (decision_id, reader_iin, case_id, first_listed_at)
    SELECT j.value, r.actor_iin, r.case_id, min(r.at)
    FROM read_log r, json_each(r.detail, '$.decision_ids') j
    WHERE r.action = 'decisions_listed' AND r.actor_iin IS NOT NULL AND r.case_id IS NOT NULL
    GROUP BY j.value, r.actor_iin;

INSERT INTO decision_first_reads (decision_id, reader_iin, case_id, first_downloaded_at)
    SELECT json_extract(r.detail, '$.decision_id'), r.actor_iin, r.case_id, min(r.at)
    FROM read_log r
    WHERE r.action = 'decision_downloaded' AND r.actor_iin IS NOT NULL AND r.case_id IS NOT NULL
      AND json_extract(r.detail, '$.decision_id') IS NOT NULL
    GROUP BY 1, r.actor_iin
    ON CONFLICT (decision_id, reader_iin) DO UPDATE SET first_downloaded_at = excluded.first_downloaded_at;

CREATE TRIGGER read_log_first_listings AFTER INSERT ON read_log
WHEN NEW.action = 'decisions_listed' AND NEW.actor_iin IS NOT NULL AND NEW.case_id IS NOT NULL
BEGIN
    INSERT INTO decision_first_reads (decision_id, reader_iin, case_id, first_listed_at)
        SELECT value, NEW.actor_iin, NEW.case_id, NEW.at
        FROM json_each(NEW.detail, '$.decision_ids') WHERE true
        ON CONFLICT (decision_id, reader_iin) DO UPDATE SET first_listed_at = excluded.first_listed_at
        WHERE first_listed_at IS NULL;
END;

CREATE TRIGGER read_log_first_downloads AFTER INSERT ON read_log
WHEN NEW.action = 'decision_downloaded' AND NEW.actor_iin IS NOT NULL AND NEW.case_id IS NOT NULL
     AND json_extract(NEW.detail, '$.decision_id') IS NOT NULL
BEGIN
    INSERT INTO decision_first_reads (decision_id, reader_iin, case_id, first_downloaded_at)
        VALUES (json_extract(NEW.detail, '$.decision_id'), NEW.actor_iin, NEW.case_id, NEW.at)
        ON CONFLICT (decision_id, reader_iin) DO UPDATE SET first_downloaded_at = excluded.first_downloaded_at
        WHERE first_downloaded_at IS NULL;
END;

-- Nothing else looks for one person's reads of a case: the index only cost every read's insert.
DROP INDEX IF EXISTS read_log_case_reader;
