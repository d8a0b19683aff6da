#!/usr/bin/env python3
"""What one audited read's own log row costs the reads after it, natively (Python's sqlite3).

A snapshot shaped like the case card (the session lookup, the case, its participants,
decisions and materials) is timed on one connection while a second connection appends a
read-log row after each snapshot: to the portal's `read_log` in the same database file, or
to an unindexed table in a file of its own, or not at all. In WAL mode a connection that
finds the database changed since its last read drops its whole page cache, so every write
costs the next read of every other connection its cached pages.

    python3 measure.py target/bench/state-10000/sqlite_db.db [rounds]

Works on a copy in a temporary directory; the database given is not touched.
"""
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

source = Path(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
work = Path(tempfile.mkdtemp(prefix="read-log-file-"))
main_file = work / "main.db"
shutil.copy(source, main_file)


def connect(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


setup = connect(main_file)
token, iin = setup.execute("SELECT token_hash, iin FROM sessions LIMIT 1 OFFSET 100").fetchone()
case_id, erdr = setup.execute("SELECT id, erdr_number FROM cases LIMIT 1 OFFSET 4321").fetchone()
reader = connect(main_file)
same_file = connect(main_file)
own_file = connect(work / "reads.db")
own_file.execute(
    "CREATE TABLE IF NOT EXISTS read_log (id INTEGER PRIMARY KEY, at TEXT, actor_iin TEXT,"
    " actor_role TEXT, action TEXT, subject TEXT, case_id INTEGER, client_addr TEXT, detail TEXT)"
)
SNAPSHOT = [
    (
        "SELECT s.*, p.full_name FROM sessions s LEFT JOIN persons p ON p.iin = s.iin"
        " LEFT JOIN officers o ON o.iin = s.iin AND o.active = 1"
        " WHERE s.token_hash = ? AND s.revoked_at IS NULL",
        (token,),
    ),
    ("SELECT c.*, g.name FROM cases c JOIN organs g ON g.id = c.organ_id WHERE c.erdr_number = ?", (erdr,)),
    ("SELECT * FROM case_participants WHERE case_id = ? ORDER BY id", (case_id,)),
    ("SELECT * FROM decisions WHERE case_id = ? ORDER BY id DESC LIMIT 50", (case_id,)),
    ("SELECT * FROM materials WHERE case_id = ? ORDER BY id DESC LIMIT 50", (case_id,)),
]
LOG_ROW = (
    "INSERT INTO read_log (at, actor_iin, actor_role, action, subject, case_id, client_addr, detail)"
    " VALUES ('2026-12-08T00:00:00Z', ?, 'participant', 'case_viewed', 'case:x', ?, '127.0.0.1', '{}')"
)


def snapshots(writer):
    spent = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        reader.execute("BEGIN")
        for sql, params in SNAPSHOT:
            reader.execute(sql, params).fetchall()
        reader.execute("COMMIT")
        spent += time.perf_counter() - started
        if writer is not None:
            writer.execute(LOG_ROW, (iin, case_id))
    return spent / rounds * 1e6


def inserts(writer):
    started = time.perf_counter()
    for _ in range(rounds):
        writer.execute(LOG_ROW, (iin, case_id))
    return (time.perf_counter() - started) / rounds * 1e6


print(f"SQLite {sqlite3.sqlite_version}, {rounds} rounds each, µs")
for label, writer in [("no log rows", None), ("log row in the same file", same_file), ("log row in a file of its own", own_file)] * 2:
    print(f"  snapshot, {label:30s} {snapshots(writer):7.1f}")
print(f"  the log row itself, same file (indexes, triggers) {inserts(same_file):7.1f}")
print(f"  the log row itself, own file (unindexed)          {inserts(own_file):7.1f}")
shutil.rmtree(work)
