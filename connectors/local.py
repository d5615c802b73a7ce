"""Scan sources on the local disk: a directory of .eml files, an mbox file, a Maildir.

Read-only: nothing is moved, flagged or deleted (after_store does nothing).

- `dir`: every *.eml below `path` (recursive), in sorted order; ref = the path relative to `path`.
- `maildir`: the files of cur/ and new/; ref = the unique name (without the ':2,' flags, so a
  message moving from new/ to cur/ keeps its ref).
- `mbox`: ref = "path#offset" (offset of its 'From ' line).

Cursors. dir and maildir: {"after": ref}, the last file handled; a scan visits every file, starting
after that one and wrapping around, so a run cut short by --max-messages resumes where it stopped
and a full run sees every file. A file whose (size, mtime_ns) is the one recorded in the store's
file index when its message was stored (connectors.base.FileIndexed) is not opened again: a re-scan
of an unchanged directory only lists and stats it. Files that changed, or are new, are read, and
the store recognises known bytes from their digest (a duplicate).
mbox: {"last": offset of the last stored message, "digest": its short digest, "head": digest of the
file's first head_len bytes, "head_len": ...}. When the file only grew, the scan resumes after that
message; when it was rewritten (head or that message changed, or it shrank), it starts over and
the store deduplicates by digest.

An mbox being delivered to: it is read under shared fcntl and flock locks, after a fresh
`<mbox>.lock` went (connectors.mboxlock; LOCK_WAIT_SECONDS at most), and only up to the size it
had then. Its last message counts only when it ends with the blank line that closes an mbox
message (else the cursor stays before it: next scan), or once the file is QUIET_SECONDS old (a
writer that never adds that line), and never while a writer still held its lock.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from connectors.base import Checkpoint, FileStat, RawMessage
from connectors.files import LastMessage, iter_mbox
from connectors.mboxlock import lock_shared, unlock
from ndr.errors import ConfigError, SourceError

TYPES = ("dir", "mbox", "maildir")
_KEYS = frozenset({"name", "type", "path"})
HEAD_BYTES = 4096  # bytes at the start of an mbox that fingerprint it
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a longer mbox member or file is cut there
LOCK_WAIT_SECONDS = 10  # wait for an mbox writer's lock at most this long, then read without the last message
QUIET_SECONDS = 300  # an mbox last message without its closing blank line counts once the file is this old


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalConfig:
    """A `dir`, `mbox` or `maildir` source."""

    name: str  # the source's name
    type: str  # dir | mbox | maildir
    where: str  # config location, e.g. "sources[2]"
    path: Path  # the directory, mbox file or Maildir (absolute when read from a config file)


def parse_config(table: Mapping[str, object], where: str) -> LocalConfig:
    """Validate a `[[sources]]` table of type dir, mbox or maildir."""
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}.{key}: unknown key")
    type_, name, raw = table.get("type"), table.get("name"), table.get("path")
    if type_ not in TYPES:
        raise ConfigError(f"{where}.type: expected one of {', '.join(TYPES)}")
    if not isinstance(name, str):
        raise ConfigError(f"{where}.name: required")
    if raw is None:
        raise ConfigError(f"{where}.path: required")
    if not isinstance(raw, str):
        raise ConfigError(f"{where}.path: expected a string")
    if not raw.strip():
        raise ConfigError(f"{where}.path: must not be empty")
    path = Path(raw).expanduser()  # ndr.config took a relative path from the config file's directory
    return LocalConfig(name=name, type=str(type_), where=where, path=path)


def open_source(config: LocalConfig, *, log: logging.Logger) -> FileTreeConnector | MboxConnector:
    """A connector for the config. Raises SourceError when the path is missing or of the wrong kind."""
    path = config.path
    if config.type == "mbox":
        if not path.is_file():
            raise SourceError(f"{config.name}: {path}: no such mbox file")
        return MboxConnector(config.name, path, log=log)
    if not path.is_dir():
        raise SourceError(f"{config.name}: {path}: no such directory")
    if config.type == "maildir" and not ((path / "cur").is_dir() and (path / "new").is_dir()):
        raise SourceError(f"{config.name}: {path}: not a Maildir (it needs cur/ and new/)")
    return FileTreeConnector(config.name, path, maildir=config.type == "maildir", log=log)


def describe_cursor(cursor: str) -> str:
    """A short form of a local cursor for `ndr state`."""
    state = _load(cursor)
    if "last" in state:
        return f"mbox offset {state['last']}"
    if "after" in state:
        return f"after {state['after']}"
    return cursor[:40]


def _load(cursor: str | None) -> dict[str, object]:
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _mtime(path: Path, stat: FileStat | None = None) -> str | None:
    """A file's modification time, ISO 8601 UTC (from its listed stat when there is one)."""
    try:
        seconds = stat[1] / 1e9 if stat is not None else path.stat().st_mtime
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (OSError, OverflowError, ValueError):
        return None


class FileTreeConnector:
    """`dir` and `maildir` sources: one file, one message. A FileIndexed connector."""

    def __init__(self, name: str, root: Path, *, maildir: bool, log: logging.Logger) -> None:
        self.name = name
        self.root = root
        self.maildir = maildir
        self.log = log
        self.total: int | None = None  # files to read, once listed (progress bars)
        self.failures = 0  # files that could not be read this run
        self.index: Mapping[str, FileStat] = {}  # set by the scan: (size, mtime_ns) of the stored files
        self.skipped = 0  # files not opened this run: unchanged since they were stored
        self.gone: list[str] = []  # refs of the index no longer listed

    def _listing(self) -> dict[str, tuple[Path, FileStat | None]]:
        """ref -> (path, (size, mtime_ns) or None when it cannot be stat'ed), for every message file."""
        found: dict[str, tuple[Path, FileStat | None]] = {}
        if self.maildir:
            for sub in ("new", "cur"):  # cur/ last: a message seen in both while moving is read from cur/
                with os.scandir(self.root / sub) as entries:
                    for entry in entries:
                        if _is(entry.is_file) and not entry.name.startswith("."):
                            found[_unique_name(entry.name)] = (Path(entry.path), _stat(entry))
            return found
        self._walk(self.root, "", found)
        return found

    def _walk(self, directory: Path, prefix: str, found: dict[str, tuple[Path, FileStat | None]]) -> None:
        """*.eml below `directory` (as os.walk: symlinked directories are not followed)."""
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if not prefix:
                raise
            self.log.warning("%s: %s: cannot list: %s", self.name, prefix.rstrip("/"), exc.strerror or exc)
            return
        for entry in entries:
            if _is(entry.is_dir):
                if not _is(entry.is_symlink):
                    self._walk(Path(entry.path), f"{prefix}{entry.name}/", found)
            elif entry.name.lower().endswith(".eml"):
                found[prefix + entry.name] = (Path(entry.path), _stat(entry))

    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        """Every changed or new file, starting after the cursor's and wrapping around; at most `limit`."""
        try:
            files = self._listing()
        except OSError as exc:
            raise SourceError(f"{self.name}: {self.root}: cannot list: {exc.strerror or exc}") from exc
        index = self.index
        self.gone = [ref for ref in index if ref not in files]
        refs = sorted(ref for ref, (_, stat) in files.items() if stat is None or index.get(ref) != stat)
        self.skipped = len(files) - len(refs)
        self.total = len(refs) if limit is None else min(limit, len(refs))
        after = _load(cursor).get("after")
        start = bisect.bisect_right(refs, after) if isinstance(after, str) else 0
        count = 0
        for ref in refs[start:] + refs[:start]:
            if limit is not None and count >= limit:
                return
            path, stat = files[ref]
            data, problem = _read(path)
            if problem is not None:
                self.failures += 1
                self.log.error("%s: %s: cannot read: %s", self.name, ref, problem)
            if data is None:
                continue
            count += 1
            yield RawMessage(ref=ref, data=data, cursor=json.dumps({"after": ref}), received_at=_mtime(path, stat),
                             stat=stat)

    def after_store(self, message: RawMessage) -> None:
        """Local sources are read-only."""

    def close(self) -> None:
        """Nothing to release."""


def _is(test: Callable[[], bool]) -> bool:
    """A DirEntry test; False when it raises (a symlink loop: the file is then reported unreadable)."""
    try:
        return test()
    except OSError:
        return False


def _stat(entry: os.DirEntry[str]) -> FileStat | None:
    """(size, mtime_ns) of a listed file (following a symlink); None when it cannot be stat'ed."""
    try:
        st = entry.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _read(path: Path) -> tuple[bytes | None, str | None]:
    """(bytes, None), or (None, why) when unreadable; (None, None) when it vanished since the listing."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_MESSAGE_BYTES), None
    except FileNotFoundError:
        return None, None  # removed (or moved from new/ to cur/) since the listing: seen on the next run
    except OSError as exc:
        return None, str(exc.strerror or exc)


def _unique_name(filename: str) -> str:
    """A Maildir file name without its info (':2,FLAGS'; '!' on systems that cannot use ':')."""
    for sep in (":2,", ":1,", "!2,"):
        if sep in filename:
            return filename.split(sep, 1)[0]
    return filename


@dataclass(frozen=True, slots=True, kw_only=True)
class _Snapshot:
    """What one scan of an mbox reads."""

    size: int  # bytes, taken once the locks are held: what is appended later waits for the next scan
    last: LastMessage  # when the snapshot's last message counts (iter_mbox)


class MboxConnector:
    """An mbox file, read as a stream (memory stays flat however large the file)."""

    def __init__(self, name: str, path: Path, *, log: logging.Logger) -> None:
        self.name = name
        self.path = path
        self.log = log
        self.total: int | None = None  # unknown without reading the whole file
        self.failures = 0

    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        """Messages after the cursor's, or all of them when the file was rewritten; at most `limit`.

        Read under shared locks (connectors.mboxlock), up to the size the file had once they were
        taken: what a writer appends meanwhile is left for the next scan.
        """
        try:
            with open(self.path, "rb") as fh:
                held = lock_shared(fh, self.path, wait=LOCK_WAIT_SECONDS)
                try:
                    yield from self._fetch(fh, _load(cursor), limit, self._snapshot(fh, held))
                finally:
                    unlock(fh)
        except OSError as exc:
            raise SourceError(f"{self.name}: {self.path}: {exc.strerror or exc}") from exc

    def _snapshot(self, fh: BinaryIO, held: tuple[str, ...]) -> _Snapshot:
        """The size to read up to, and when its last message counts."""
        st = os.fstat(fh.fileno())
        if held:
            self.log.warning("%s: %s: still locked by a writer (%s) after %d s: reading it anyway, "
                             "without its last message", self.name, self.path, ", ".join(held), LOCK_WAIT_SECONDS)
            return _Snapshot(size=st.st_size, last="never")
        quiet = time.time() - st.st_mtime >= QUIET_SECONDS
        return _Snapshot(size=st.st_size, last="always" if quiet else "terminated")

    def _left(self, offset: int) -> None:
        self.log.info("%s: %s#%d: the last message is not complete yet (no blank line after it, or its "
                      "writer holds the lock): left for the next scan", self.name, self.path, offset)

    def _fetch(self, fh: BinaryIO, state: dict[str, object], limit: int | None,
               snap: _Snapshot) -> Iterator[RawMessage]:
        size = snap.size
        head_len = min(HEAD_BYTES, size)
        fh.seek(0)
        head = _short(fh.read(head_len))
        start = self._resume_offset(fh, state, size)
        count = 0
        skip: str | None = str(state["digest"]) if start else None
        for offset, data in iter_mbox(fh, start=start, end=size, max_message_bytes=MAX_MESSAGE_BYTES,
                                      last=snap.last, left=self._left):
            digest = _short(data)
            if skip is not None:
                if offset == start and digest == skip:
                    skip = None
                    continue  # the last message stored: resume after it
                self.log.info("%s: %s: the last stored message is not where it was: rescanning from the start",
                              self.name, self.path)
                yield from self._fetch(fh, {}, None if limit is None else limit - count, snap)
                return
            if limit is not None and count >= limit:
                return
            count += 1
            cursor = json.dumps({"last": offset, "digest": digest, "head": head, "head_len": head_len})
            yield RawMessage(ref=f"{self.path}#{offset}", data=data, cursor=cursor)

    def _resume_offset(self, fh: BinaryIO, state: dict[str, object], size: int) -> int:
        """Where to resume: the last stored message's offset when the file only grew, else 0."""
        last, head, head_len = state.get("last"), state.get("head"), state.get("head_len")
        if not isinstance(last, int) or not isinstance(head_len, int) or not isinstance(state.get("digest"), str):
            return 0
        if size <= last or size < head_len:
            self.log.info("%s: %s is smaller than at the last scan: rescanning from the start", self.name, self.path)
            return 0
        fh.seek(0)
        if _short(fh.read(head_len)) != head:
            self.log.info("%s: %s was rewritten: rescanning from the start", self.name, self.path)
            return 0
        return last

    def after_store(self, message: RawMessage) -> None:
        """Local sources are read-only."""

    def close(self) -> None:
        """Nothing to release (the file is closed when fetch ends)."""


def _short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]
