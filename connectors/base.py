"""The contract between connectors and the scan loop.

A connector yields raw messages (bytes, never decoded) with a stable reference, in an order that
lets the scan advance a cursor safely. The scan stores each message and advances the cursor in one
transaction; only then does it call `after_store` (seen/move/delete). A connector resumes from the
cursor it is given, never from dates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

FileStat = tuple[int, int]  # (size, mtime_ns) of a file when it was listed


@dataclass(frozen=True, slots=True, kw_only=True)
class RawMessage:
    """One message fetched from a source."""

    ref: str  # stable reference inside the source, e.g. "INBOX/1712345678/42" (folder/UIDVALIDITY/UID),
    #           a Graph message id, or a file path (+ "#offset" for mbox members)
    data: bytes  # the raw RFC 5322 bytes
    cursor: str | None  # the source's cursor (JSON text) once this message is stored; None: do not advance
    folder: str | None = None  # folder / mailbox path, when the source has folders
    received_at: str | None = None  # the server's arrival time (IMAP INTERNALDATE, Graph receivedDateTime), ISO
    stat: FileStat | None = None  # a file's (size, mtime_ns) at listing, for the store's file index (FileIndexed)


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """A cursor to store with no message (e.g. Graph's deltaLink after the last page)."""

    cursor: str  # JSON text


class Connector(Protocol):
    """What the scan loop needs from a source."""

    name: str  # the source's name from the config

    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        """Messages after `cursor` (None: from the beginning), oldest first where the source allows."""
        ...

    def after_store(self, message: RawMessage) -> None:
        """The configured after-action (none / seen / move / delete), once the message is stored."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class FileIndexed(Protocol):
    """A connector of files (dir, maildir) that skips files unchanged since they were stored.

    Before `fetch`, the scan sets `index` to the store's file index of the source (ref -> (size,
    mtime_ns) of each file whose message is stored); the connector does not open a listed file whose
    (size, mtime_ns) is the same, counts it in `skipped`, and yields the others with `stat` set. The
    scan records each stored message's `stat` in the index in the same transaction as the message,
    and forgets the refs the connector lists in `gone` (indexed, no longer present).
    """

    index: Mapping[str, FileStat]
    skipped: int  # files not opened this run: unchanged since they were stored
    gone: list[str]  # refs of the index that the listing no longer has


@runtime_checkable
class DurableAfter(Protocol):
    """A connector whose after-actions survive a killed scan (IMAP: the UID cursor moves past them).

    The scan records `pending_ref(message)` (None: no action for it) in the transaction that stores
    the message, then calls `after_store`; refs the connector returns from `settled()` (action sent,
    or dropped with a warning) are deleted from the store in its next transaction. At the start of a
    scan, before `fetch`, the scan hands `replay()` the refs still recorded: the connector sends them
    first (or drops those it no longer can, with a warning) and reports them through `settled()`.
    """

    def pending_ref(self, message: RawMessage) -> str | None: ...

    def replay(self, refs: Sequence[str]) -> None: ...

    def settled(self) -> list[str]: ...
