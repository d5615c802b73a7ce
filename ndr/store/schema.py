"""The store's schema, versioned with PRAGMA user_version and an ordered list of migrations.

Migration N (1-based) takes a store from version N-1 to N. Never edit a released migration:
append a new one. Each runs in one transaction together with the version bump.
"""

from __future__ import annotations

import sqlite3

from ndr.errors import NdrError

# Version 1: sources with their cursors, runs, messages (one row per distinct content digest),
# refs (where each message was seen), kept bytes for re-analysis, denormalised recipient rows.
_V1 = """
CREATE TABLE sources (
    name TEXT PRIMARY KEY,                 -- the source's name from the config
    type TEXT NOT NULL,                    -- imap | graph | mbox | maildir | dir
    cursor TEXT,                           -- JSON text owned by the connector; NULL: from the beginning
    cursor_at TEXT,                        -- when the cursor last moved (ISO 8601 UTC)
    fetched INTEGER NOT NULL DEFAULT 0,    -- messages fetched, all runs
    new INTEGER NOT NULL DEFAULT 0,        -- messages stored for the first time
    duplicates INTEGER NOT NULL DEFAULT 0, -- messages whose bytes were already stored
    failed INTEGER NOT NULL DEFAULT 0,     -- messages stored as kind=error because analysis raised
    last_run_id INTEGER,                   -- runs.id of the last scan of this source
    last_run_at TEXT                       -- when that scan started
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,              -- ISO 8601 UTC
    finished_at TEXT,                      -- NULL: still running, or killed
    exit_code INTEGER,                     -- what `ndr scan` exited with
    argv TEXT                              -- the command line options (no secrets: they are never on it)
);

CREATE TABLE run_sources (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    source TEXT NOT NULL,
    fetched INTEGER NOT NULL,
    new INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    seconds REAL NOT NULL,
    error TEXT,                            -- why the source stopped early, NULL when it completed
    PRIMARY KEY (run_id, source)
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,           -- sha256 (hex) of the raw bytes: the message's identity
    size INTEGER NOT NULL,                 -- length of the raw bytes
    source TEXT NOT NULL,                  -- where it was first seen
    ref TEXT NOT NULL,                     -- its reference there
    folder TEXT,
    received_at TEXT,                      -- the server's arrival time, when the source knows it
    stored_at TEXT NOT NULL,               -- ISO 8601 UTC
    date TEXT NOT NULL,                    -- ISO 8601 UTC: Date header, else received_at, else stored_at
    kind TEXT NOT NULL,                    -- bounce | delay | autoreply | feedback | not_bounce | error
    message_id TEXT,
    subject TEXT,
    reporter TEXT,
    failure TEXT,                          -- why analysis raised (then kind = error), else NULL
    analyzed_with TEXT NOT NULL            -- ndr version that wrote the analysis
);
CREATE INDEX messages_date ON messages (date);

CREATE TABLE refs (
    source TEXT NOT NULL,
    ref TEXT NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    PRIMARY KEY (source, ref)
) WITHOUT ROWID;

CREATE TABLE bodies (                      -- the bulky part of a message, apart from the columns queried
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    kept_size INTEGER NOT NULL,            -- length of the kept bytes before compression
    data BLOB NOT NULL,                    -- zlib-compressed kept bytes (see ndr.store.retain)
    analysis BLOB NOT NULL                 -- zlib-compressed analyzer.serialize JSON (Store.analysis())
);

CREATE TABLE recipients (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,             -- order in the message, from 0
    source TEXT NOT NULL,
    ref TEXT NOT NULL,
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    reporter TEXT,
    recipient TEXT,
    domain TEXT,                           -- recipient domain, lowercase
    action TEXT,
    status TEXT,
    replycode TEXT,
    reason TEXT,
    hard INTEGER,                          -- 1 / 0 / NULL
    sending_ip TEXT,
    sending_prefix TEXT,
    blocklist TEXT,
    provider TEXT,
    remote_mta TEXT,
    diagnostic TEXT,
    rule TEXT,
    original_message_id TEXT,
    original_subject TEXT,
    original_from TEXT,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX recipients_date ON recipients (date);
"""

# Version 2: the returned original's envelope sender (and where it came from) and From domain per
# recipient row, for SPF of the envelope domain in reports (ndr.store.envelope); messages.rows_version
# says which ndr.store.rows.ROWS_VERSION wrote a message's recipient rows (`ndr reanalyze` fills the
# new columns of rows written before).
_V2 = """
ALTER TABLE recipients ADD COLUMN envelope_sender TEXT;       -- envelope sender address, NULL: not known
ALTER TABLE recipients ADD COLUMN envelope_source TEXT;       -- return-path | to | delivered-to
ALTER TABLE recipients ADD COLUMN original_from_domain TEXT;  -- domain of the original's From, lowercase
ALTER TABLE messages ADD COLUMN rows_version INTEGER NOT NULL DEFAULT 1;
"""

# Version 3: the file index of dir and maildir sources (connectors.base.FileIndexed): a file whose
# (size, mtime_ns) did not change since its message was stored is not read again; run_sources.skipped
# counts those files per run.
_V3 = """
CREATE TABLE files (
    source TEXT NOT NULL,
    ref TEXT NOT NULL,                     -- the file's ref in the source (path relative to it, Maildir unique name)
    size INTEGER NOT NULL,                 -- st_size when it was listed
    mtime_ns INTEGER NOT NULL,             -- st_mtime_ns when it was listed
    message_id INTEGER NOT NULL REFERENCES messages(id),  -- the message its bytes were (digest: messages.digest)
    PRIMARY KEY (source, ref)
) WITHOUT ROWID;
ALTER TABLE run_sources ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;  -- files not read: unchanged
"""

# Version 4: after-actions (IMAP seen / move / delete) of stored messages not yet confirmed sent
# (connectors.base.DurableAfter): written in the transaction that stores the message, deleted once the
# server confirmed the action; the next scan of the source runs those left by a killed scan first.
_V4 = """
CREATE TABLE pending_after (
    source TEXT NOT NULL,
    ref TEXT NOT NULL,                     -- the stored message's ref in the source (IMAP: folder/UIDVALIDITY/UID)
    queued_at TEXT NOT NULL,               -- when it was stored (ISO 8601 UTC)
    PRIMARY KEY (source, ref)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4)
LATEST = len(MIGRATIONS)


class SchemaError(NdrError):
    """The store file cannot be used by this version of ndr."""

    exit_code = 2


def version_of(conn: sqlite3.Connection) -> int:
    """The schema version of an open store (0: empty file)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, *, where: str) -> int:
    """Bring the store up to LATEST. `conn` is in autocommit mode. Returns the version it had."""
    start = version_of(conn)
    if start > LATEST:
        raise SchemaError(f"{where}: written by a newer ndr (schema {start}, this ndr knows {LATEST}); upgrade ndr")
    for number in range(start + 1, LATEST + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise SchemaError(f"{where}: migration to schema {number} failed: {exc}") from exc
    return start


def _statements(script: str) -> list[str]:
    """Split a migration into statements (no ';' inside our DDL strings), dropping '--' comments."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
