"""The SQLite store: one file, WAL, versioned schema, one transaction per recorded batch.

Exactly once: a message is a row of `messages` keyed by its content digest; `refs` says where each
was seen. `record()` writes messages, their refs, the source's cursor and the after-actions still to
send (`pending_after`) in ONE transaction, so a scan killed at any point and run again neither loses
nor doubles anything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.base import FileStat
from ndr import __version__
from ndr.errors import NdrError
from ndr.store import queries, schema
from ndr.store.prepare import Prepared, unpack_analysis
from ndr.store.rows import RECIPIENT_COLUMNS, ROWS_VERSION, meta_of, now_iso, recipient_rows

BUSY_TIMEOUT_MS = 30_000  # wait this long for another writer (e.g. `ndr reanalyze`) before failing


class StoreError(NdrError):
    """The store could not be read or written (disk full, permissions, corrupt file, locked)."""

    exit_code = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class New:
    """A message seen for the first time by this batch, to be stored."""

    ref: str
    prepared: Prepared
    folder: str | None = None
    received_at: str | None = None
    stat: FileStat | None = None  # a file's (size, mtime_ns): recorded in the source's file index


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """A message whose digest the caller believes is already stored: only its ref is recorded."""

    ref: str
    digest: str
    stat: FileStat | None = None  # a file's (size, mtime_ns): recorded in the source's file index


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What `record` did with one entry."""

    ref: str
    new: bool  # False: the digest was already stored (a duplicate)
    message_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """A row of the sources table."""

    name: str
    type: str
    cursor: str | None
    cursor_at: str | None
    fetched: int
    new: int
    duplicates: int
    failed: int
    last_run_id: int | None
    last_run_at: str | None
    last_run_finished: bool | None  # None: never ran; False: the run was killed or is running
    last_run_error: str | None  # why the source stopped early in its last run
    pending_after: int = 0  # after-actions of stored messages not yet confirmed sent


class Store:
    """An open store. Not thread-safe: one writer per process (the scan loop)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Store:
        """Open (and create or migrate, unless readonly) the store at `path`."""
        try:
            if readonly:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable across process crashes
            conn.execute("PRAGMA foreign_keys = ON")
            if readonly:
                version = schema.version_of(conn)
                if version != schema.LATEST:
                    raise schema.SchemaError(
                        f"{path}: schema {version}, this ndr needs {schema.LATEST}; run `ndr scan` once to upgrade it")
            else:
                schema.migrate(conn, where=str(path))
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the store: {exc.strerror or exc}") from exc
        return cls(conn, path, readonly=readonly)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; ROLLBACK on any exception. sqlite3 errors become StoreError."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: {exc}") from exc

    # -- sources and cursors ---------------------------------------------------------------------
    def ensure_source(self, name: str, type_: str) -> None:
        """Create the source's row on first use; follow a type change in the config."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO sources (name, type) VALUES (?, ?) "
                         "ON CONFLICT(name) DO UPDATE SET type = excluded.type", (name, type_))

    def cursor_of(self, name: str) -> str | None:
        row = self._query("SELECT cursor FROM sources WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_cursor(self, name: str, cursor: str | None) -> None:
        """Move a source's cursor alone (a connector's Checkpoint)."""
        with self.transaction() as conn:
            conn.execute("UPDATE sources SET cursor = ?, cursor_at = ? WHERE name = ?", (cursor, now_iso(), name))

    def reset_cursor(self, name: str) -> bool:
        """Forget a source's cursor and file index: the next scan reads it all again. False: unknown source."""
        with self.transaction() as conn:
            done = conn.execute("UPDATE sources SET cursor = NULL, cursor_at = ? WHERE name = ?", (now_iso(), name))
            conn.execute("DELETE FROM files WHERE source = ?", (name,))
            return done.rowcount > 0

    def file_index(self, name: str) -> dict[str, FileStat]:
        """ref -> (size, mtime_ns) of the files of a dir/maildir source whose messages are stored."""
        rows = self._query("SELECT ref, size, mtime_ns FROM files WHERE source = ?", (name,))
        return {ref: (size, mtime_ns) for ref, size, mtime_ns in rows}

    def forget_files(self, name: str, refs: Sequence[str]) -> None:
        """Drop files that are gone from a source's file index (their messages stay stored)."""
        with self.transaction() as conn:
            conn.executemany("DELETE FROM files WHERE source = ? AND ref = ?", [(name, ref) for ref in refs])

    def sources(self) -> list[SourceState]:
        rows = self._query(
            "SELECT s.name, s.type, s.cursor, s.cursor_at, s.fetched, s.new, s.duplicates, s.failed, "
            "s.last_run_id, s.last_run_at, r.finished_at, rs.error, "
            "(SELECT count(*) FROM pending_after p WHERE p.source = s.name) "
            "FROM sources s LEFT JOIN runs r ON r.id = s.last_run_id "
            "LEFT JOIN run_sources rs ON rs.run_id = s.last_run_id AND rs.source = s.name ORDER BY s.name", ())
        return [SourceState(name=r[0], type=r[1], cursor=r[2], cursor_at=r[3], fetched=r[4], new=r[5],
                            duplicates=r[6], failed=r[7], last_run_id=r[8], last_run_at=r[9],
                            last_run_finished=None if r[8] is None else r[10] is not None,
                            last_run_error=r[11], pending_after=r[12]) for r in rows]

    # -- after-actions not yet confirmed (connectors.base.DurableAfter) ------------------------
    def pending_after(self, name: str) -> list[str]:
        """Refs of a source's stored messages whose after-action is not confirmed sent, in ref order."""
        rows = self._query("SELECT ref FROM pending_after WHERE source = ? ORDER BY ref", (name,))
        return [ref for (ref,) in rows]

    def settle_after(self, name: str, refs: Sequence[str]) -> None:
        """Forget after-actions that were sent (or dropped): their own transaction."""
        if refs:
            with self.transaction() as conn:
                _settle(conn, name, refs)

    # -- messages --------------------------------------------------------------------------------
    def analysis(self, message_id: int) -> dict[str, object] | None:
        """The stored analysis of a message (the JSON object of `ndr triage --json`, without "source")."""
        row = self._query("SELECT analysis FROM bodies WHERE message_id = ?", (message_id,)).fetchone()
        if row is None:
            return None
        value: dict[str, object] = json.loads(unpack_analysis(row[0]))
        return value

    def has_digest(self, digest: str) -> bool:
        return self._query("SELECT 1 FROM messages WHERE digest = ?", (digest,)).fetchone() is not None

    def record(self, source: str, entries: Sequence[New | Seen], cursor: str | None, *,
               advance: bool = True, pending: Sequence[str] = (), settled: Sequence[str] = ()) -> list[Outcome]:
        """Store messages and their refs, count them and move the cursor: ONE transaction.

        `advance=False` leaves the cursor as it is (a connector that yields cursor=None).
        `pending`: refs of these messages whose after-action is still to send (recorded);
        `settled`: refs of earlier messages whose after-action was sent since (forgotten).
        A New whose digest is already stored is counted as a duplicate (another writer got there first);
        a New whose analysis raised is counted as failed (it is stored, kind = error), not as new.
        """
        outcomes: list[Outcome] = []
        stamp = now_iso()
        new = duplicates = failed = 0
        with self.transaction() as conn:
            for entry in entries:
                message_id = self._insert(conn, source, entry, stamp) if isinstance(entry, New) else None
                if message_id is None:
                    digest = entry.prepared.digest if isinstance(entry, New) else entry.digest
                    row = conn.execute("SELECT id FROM messages WHERE digest = ?", (digest,)).fetchone()
                    if row is None:
                        raise StoreError(f"{self.path}: {source}: {entry.ref}: digest {digest[:12]} not stored")
                    message_id, is_new = int(row[0]), False
                    duplicates += 1
                else:
                    is_new = True
                    if isinstance(entry, New) and entry.prepared.failure is not None:
                        failed += 1
                    else:
                        new += 1
                conn.execute("INSERT INTO refs (source, ref, message_id) VALUES (?, ?, ?) "
                             "ON CONFLICT(source, ref) DO UPDATE SET message_id = excluded.message_id",
                             (source, entry.ref, message_id))
                if entry.stat is not None:
                    conn.execute("INSERT INTO files (source, ref, size, mtime_ns, message_id) VALUES (?, ?, ?, ?, ?) "
                                 "ON CONFLICT(source, ref) DO UPDATE SET size = excluded.size, "
                                 "mtime_ns = excluded.mtime_ns, message_id = excluded.message_id",
                                 (source, entry.ref, *entry.stat, message_id))
                outcomes.append(Outcome(ref=entry.ref, new=is_new, message_id=message_id))
            if pending:
                conn.executemany("INSERT INTO pending_after (source, ref, queued_at) VALUES (?, ?, ?) "
                                 "ON CONFLICT(source, ref) DO NOTHING", [(source, ref, stamp) for ref in pending])
            _settle(conn, source, settled)
            cursor_sql = "cursor = ?, cursor_at = ?, " if advance else ""
            params: tuple[object, ...] = (cursor, stamp) if advance else ()
            conn.execute(f"UPDATE sources SET {cursor_sql}fetched = fetched + ?, new = new + ?, "  # noqa: S608
                         "duplicates = duplicates + ?, failed = failed + ? WHERE name = ?",
                         (*params, len(entries), new, duplicates, failed, source))
        return outcomes

    def _insert(self, conn: sqlite3.Connection, source: str, entry: New, stamp: str) -> int | None:
        """Insert a new message, its body and recipient rows; None when its digest is already stored."""
        p = entry.prepared
        meta = meta_of(p.analysis, received_at=entry.received_at, stored_at=stamp)
        row = conn.execute(
            "INSERT INTO messages (digest, size, source, ref, folder, received_at, stored_at, date, kind, "
            "message_id, subject, reporter, failure, analyzed_with, rows_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING RETURNING id",
            (p.digest, p.size, source, entry.ref, entry.folder, entry.received_at, stamp, meta.date, meta.kind,
             meta.message_id, meta.subject, meta.reporter, p.failure, __version__, ROWS_VERSION),
        ).fetchone()
        if row is None:
            return None
        message_id = int(row[0])
        conn.execute("INSERT INTO bodies (message_id, kept_size, data, analysis) VALUES (?, ?, ?, ?)",
                     (message_id, p.kept_size, p.kept, p.analysis_packed))
        rows = recipient_rows(p.analysis, meta, source=source, ref=entry.ref, envelope=p.envelope)
        if rows:
            conn.executemany(_INSERT_RECIPIENT, [(message_id, *r) for r in rows])
        return message_id

    # -- runs ------------------------------------------------------------------------------------
    def start_run(self, argv: str, sources: Sequence[str]) -> int:
        """A runs row; the sources' last_run points at it."""
        stamp = now_iso()
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO runs (started_at, argv) VALUES (?, ?)", (stamp, argv))
            run_id = int(cur.lastrowid or 0)
            conn.executemany("UPDATE sources SET last_run_id = ?, last_run_at = ? WHERE name = ?",
                             [(run_id, stamp, name) for name in sources])
        return run_id

    def finish_source(self, run_id: int, source: str, *, fetched: int, new: int, duplicates: int, failed: int,
                      seconds: float, error: str | None, skipped: int = 0) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO run_sources (run_id, source, fetched, new, duplicates, failed, "
                         "seconds, error, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (run_id, source, fetched, new, duplicates, failed, round(seconds, 3), error, skipped))

    def finish_run(self, run_id: int, exit_code: int) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET finished_at = ?, exit_code = ? WHERE id = ?", (now_iso(), exit_code, run_id))

    # -- reading ---------------------------------------------------------------------------------
    def iter_failures(self, since: str | None = None, until: str | None = None,
                      sources: list[str] | None = None) -> Iterator[dict[str, object]]:
        """Failed and delayed recipients, oldest first: the store contract of docs/ARCHITECTURE.md.

        `since` (inclusive) and `until` (exclusive) are ISO 8601 dates or times, compared in UTC
        (a time without a zone is UTC); `sources` restricts to those source names.
        Keys: ndr.store.rows.FAILURE_KEYS; `hard` is a bool or None, `message_id` an int.
        """
        return queries.iter_failures(self._conn, since=since, until=until, sources=sources, where=str(self.path))

    def _query(self, sql: str, params: Sequence[object]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for the store's own query modules."""
        return self._conn


def _settle(conn: sqlite3.Connection, source: str, refs: Sequence[str]) -> None:
    if refs:
        conn.executemany("DELETE FROM pending_after WHERE source = ? AND ref = ?", [(source, ref) for ref in refs])


_INSERT_RECIPIENT = (  # also used by ndr.store.reanalysis
    f"INSERT INTO recipients (message_id, position, {', '.join(RECIPIENT_COLUMNS)}) "  # noqa: S608 - constant names
    f"VALUES ({', '.join('?' * (len(RECIPIENT_COLUMNS) + 2))})"
)
