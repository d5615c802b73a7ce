"""The IMAP source: new messages of each configured folder, by UIDVALIDITY + UID, oldest first.

- The cursor (JSON) holds, per folder, the UIDVALIDITY and the last UID handed out:
  `{"folders": {"INBOX": {"uidvalidity": 1712345678, "uid": 42}}}`. A changed UIDVALIDITY means the
  old UIDs name nothing any more: the folder is read again from the start and the store, which
  deduplicates by content digest, keeps each message once.
- Folders are opened read-only (EXAMINE) unless an after-action is configured. Bodies are fetched
  with `UID FETCH <uid list> BODY.PEEK[]` (never marks \\Seen) in batches bounded by count and bytes
  (sizes from RFC822.SIZE first); a message larger than max_message_bytes is fetched up to that size.
- A dropped connection is reopened with exponential backoff (bounded attempts) and the folder is
  resumed after the last UID handed out; then SourceError.
- After-actions (seen / move / delete) are queued by `after_store` and sent in one command per
  batch, before the next fetch and when the folder or the connector is closed. They survive a killed
  scan (connectors.base.DurableAfter): the scan records each one in the store with its message and
  forgets it once `settled()` says it was sent; the next scan `replay()`s those left, before fetching,
  by UID within the same UIDVALIDITY (a changed UIDVALIDITY or a message gone: dropped with a warning).
  An action the server refuses stays recorded and is tried again by the next scan.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import imapclient
from imapclient.exceptions import IMAPClientError

from connectors.base import Checkpoint, RawMessage
from connectors.imap_config import AfterKind, Auth, ImapConfig, parse_config
from connectors.imap_session import TRANSIENT, TokenSource, close_quietly, connect
from connectors.msauth import TokenSource as MsalTokens
from connectors.token_command import CommandTokens
from ndr.errors import ConfigError, SourceError
from ndr.secrets import Secret, warn_if_exposed

__all__ = ["Batch", "FolderState", "ImapConfig", "ImapConnector", "decode_cursor", "describe_cursor", "encode_cursor",
           "open_source", "parse_config", "parse_ref", "plan_batches", "uid_set"]

SIZE_WINDOW = 1000  # UIDs per RFC822.SIZE query of the large messages
MAX_BACKOFF = 60.0  # seconds: the longest wait between reconnect attempts
REPLAY_CHUNK = 500  # UIDs per command when replaying the after-actions left by an earlier scan


@dataclass(frozen=True, slots=True, kw_only=True)
class FolderState:
    """Where a folder's scan stands."""

    uidvalidity: int  # the folder's UIDVALIDITY when the UIDs below were handed out
    uid: int  # the last UID handed out (0: none yet)


@dataclass(frozen=True, slots=True, kw_only=True)
class Batch:
    """UIDs fetched with one UID FETCH."""

    uids: tuple[int, ...]  # in ascending order
    partial: bool = False  # one message larger than max_message_bytes: fetch only its start


def decode_cursor(cursor: str | None, source: str) -> dict[str, FolderState]:
    """The per-folder states of a cursor written by `encode_cursor` (None: nothing read yet)."""
    if not cursor:
        return {}
    try:
        raw = json.loads(cursor)["folders"]
        return {str(f): FolderState(uidvalidity=int(s["uidvalidity"]), uid=int(s["uid"])) for f, s in raw.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SourceError(f"the stored IMAP cursor is not readable; forget it with `ndr state reset {source}` "
                          "(messages already stored are recognised by digest)") from None


def encode_cursor(states: dict[str, FolderState]) -> str:
    folders = {f: {"uidvalidity": s.uidvalidity, "uid": s.uid} for f, s in sorted(states.items())}
    return json.dumps({"folders": folders}, separators=(",", ":"))


def plan_batches(uids: list[int], sizes: dict[int, int], *, max_count: int, max_bytes: int,
                 max_message: int, default_size: int = 0) -> Iterator[Batch]:
    """Group ascending UIDs into fetches of at most max_count messages and max_bytes bytes.

    `sizes` may hold only the large messages; any other counts as `default_size` (an upper bound
    of its size). A message over max_message bytes goes alone, marked partial.
    """
    current: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, default_size)
        if size > max_message:
            if current:
                yield Batch(uids=tuple(current))
                current, total = [], 0
            yield Batch(uids=(uid,), partial=True)
            continue
        if current and (len(current) >= max_count or total + size > max_bytes):
            yield Batch(uids=tuple(current))
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        yield Batch(uids=tuple(current))


class ImapConnector:
    """One IMAP source (see the module docstring). Not thread-safe; one per scan."""

    def __init__(self, config: ImapConfig, *, log: logging.Logger, password: Secret | None = None,
                 tokens: TokenSource | None = None) -> None:
        self.name = config.name
        self._cfg = config
        self._log = log
        self._password = password
        self._tokens = tokens
        self._client: imapclient.IMAPClient | None = None
        self._selected: tuple[str, int] | None = None  # (folder, UIDVALIDITY) currently selected
        self._pending: dict[str, list[tuple[int, int]]] = {}  # folder -> [(uidvalidity, uid)] stored, not acted on
        self._settled: list[str] = []  # refs whose after-action was sent or dropped, not yet told to the scan
        self._warned_no_uidplus = False
        self.total = 0  # messages handed out + still to come in the current folder (progress bars)
        self._handed = 0  # messages handed out by fetch()
        self._connected = False  # logged in at least once (else a fault is "cannot connect")

    # ---- connection
    def _conn(self) -> imapclient.IMAPClient:
        if self._client is None:
            self._client = connect(self._cfg, password=self._password, tokens=self._tokens, log=self._log)
            self._connected = True
            self._check_move_target(self._client)
        return self._client

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        close_quietly(client)

    def _check_move_target(self, client: imapclient.IMAPClient) -> None:
        after = self._cfg.after
        if after.kind is AfterKind.MOVE and after.folder is not None and not client.folder_exists(after.folder):
            raise ConfigError(f"{self._cfg.where}.after: folder {after.folder!r} does not exist on {self._cfg.host}; "
                              "create it first")

    def _select(self, folder: str) -> int:
        """Select `folder` (EXAMINE when there is no after-action); returns its UIDVALIDITY."""
        if self._selected is not None and self._selected[0] == folder:
            return self._selected[1]
        client = self._conn()
        try:
            info = client.select_folder(folder, readonly=self._cfg.after.kind is AfterKind.NONE)
        except IMAPClientError as exc:
            if isinstance(exc, TRANSIENT):
                raise
            raise ConfigError(f"{self._cfg.where}.folders: cannot open {folder!r} on {self._cfg.host}: "
                              f"{_one_line(exc)}") from None
        uidvalidity = int(info[b"UIDVALIDITY"])
        self._selected = (folder, uidvalidity)
        return uidvalidity

    def _backoff(self, failures: int, what: str, exc: BaseException) -> None:
        """Wait before reconnect attempt `failures` (1-based), or give up with SourceError."""
        self._drop()
        if failures > self._cfg.retries:
            raise SourceError(f"{what}: {_one_line(exc)} (gave up after {self._cfg.retries} reconnect attempts to "
                              f"{self._cfg.host}:{self._cfg.port})") from None
        delay = min(self._cfg.retry_backoff * 2 ** (failures - 1), MAX_BACKOFF)
        self._log.warning("%s: %s: %s; reconnecting in %.1f s (attempt %d of %d)", self.name, what,
                          _one_line(exc), delay, failures, self._cfg.retries)
        time.sleep(delay)

    # ---- reading
    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        """New messages of every folder, oldest UID first, each with the cursor that includes it."""
        states = decode_cursor(cursor, self.name)
        emitted = encode_cursor(states)
        handed = 0
        for folder in self._cfg.folders:
            if limit is not None and handed >= limit:
                return
            for message in self._fetch_folder(folder, states, None if limit is None else limit - handed):
                handed += 1
                emitted = message.cursor or emitted
                yield message
            now = encode_cursor(states)
            if now != emitted:  # a new or reset folder with nothing to hand out still records its UIDVALIDITY
                emitted = now
                yield Checkpoint(cursor=now)

    def _fetch_folder(self, folder: str, states: dict[str, FolderState], budget: int | None) -> Iterator[RawMessage]:
        """Hand out the folder's new messages (at most `budget`), resuming across reconnects."""
        handed = failures = 0
        while True:
            try:
                uidvalidity = self._select(folder)
                state = self._reconcile(folder, states.get(folder), uidvalidity)
                states[folder] = state
                for batch in self._batches(folder, state.uid):
                    if budget is not None and handed >= budget:
                        break
                    uids = batch.uids if budget is None else batch.uids[: budget - handed]
                    self._flush(folder)
                    bodies = self._fetch_bodies(uids, batch.partial, folder)
                    failures = 0  # progress: a later fault gets the full number of attempts again
                    for uid in uids:
                        item = bodies.get(uid)
                        if item is None:  # expunged since the search
                            continue
                        states[folder] = FolderState(uidvalidity=uidvalidity, uid=uid)
                        handed += 1
                        self._handed += 1
                        yield self._message(folder, uidvalidity, uid, item, encode_cursor(states))
                self._flush(folder)
            except TRANSIENT as exc:
                failures += 1
                last = states[folder].uid if folder in states else 0
                what = f"connection lost in {folder} after UID {last}" if self._connected else "cannot connect"
                self._backoff(failures, what, exc)
            else:
                return

    def _reconcile(self, folder: str, known: FolderState | None, uidvalidity: int) -> FolderState:
        if known is None:
            return FolderState(uidvalidity=uidvalidity, uid=0)
        if known.uidvalidity != uidvalidity:
            self._log.warning("%s: %s: UIDVALIDITY changed (%d -> %d): reading the whole folder again; "
                              "messages already stored are kept once (by digest)", self.name, folder,
                              known.uidvalidity, uidvalidity)
            self._drop_stale(folder, self._pending.pop(folder, []), uidvalidity)
            return FolderState(uidvalidity=uidvalidity, uid=0)
        return known

    def _batches(self, folder: str, after_uid: int) -> Iterator[Batch]:
        """Plan the fetches of the messages after `after_uid`: bounded by count, and by bytes.

        Only messages over max_batch_bytes / batch_size have their size asked for (found with
        SEARCH LARGER): any other batch of batch_size messages stays within max_batch_bytes.
        """
        client, cfg = self._conn(), self._cfg
        span = ["UID", f"{after_uid + 1}:*"]
        uids = sorted(u for u in client.search(span) if u > after_uid)
        self.total = self._handed + len(uids)
        if not uids:
            return
        self._log.info("%s: %s: %d new message(s), UIDs %d-%d", self.name, folder, len(uids), uids[0], uids[-1])
        small = max(1, cfg.max_batch_bytes // cfg.batch_size)
        large = sorted(u for u in client.search([*span, "LARGER", str(small)]) if u > after_uid)
        sizes: dict[int, int] = {}
        for start in range(0, len(large), SIZE_WINDOW):
            answer = client.fetch(large[start:start + SIZE_WINDOW], ["RFC822.SIZE"])
            sizes.update((int(u), int(d.get(b"RFC822.SIZE", small))) for u, d in answer.items())
        yield from plan_batches(uids, sizes, max_count=cfg.batch_size, max_bytes=cfg.max_batch_bytes,
                                max_message=cfg.max_message_bytes, default_size=small)

    def _fetch_bodies(self, uids: tuple[int, ...], partial: bool, folder: str) -> dict[int, tuple[bytes, Any]]:
        body = f"BODY.PEEK[]<0.{self._cfg.max_message_bytes}>" if partial else "BODY.PEEK[]"
        key = b"BODY[]<0>" if partial else b"BODY[]"
        if partial:
            self._log.warning("%s: %s UID %d is larger than max_message_bytes: reading its first %d bytes",
                              self.name, folder, uids[0], self._cfg.max_message_bytes)
        data = self._conn().fetch(list(uids), [body, "INTERNALDATE"])
        out: dict[int, tuple[bytes, Any]] = {}
        for uid, item in data.items():
            raw = item.get(key)
            if isinstance(raw, bytes):
                out[int(uid)] = (raw, item.get(b"INTERNALDATE"))
        return out

    def _message(self, folder: str, uidvalidity: int, uid: int, item: tuple[bytes, Any], cursor: str) -> RawMessage:
        data, internal = item
        received = internal.isoformat() if hasattr(internal, "isoformat") else None
        return RawMessage(ref=f"{folder}/{uidvalidity}/{uid}", data=data, cursor=cursor, folder=folder,
                          received_at=received)

    # ---- after-actions
    def pending_ref(self, message: RawMessage) -> str | None:
        """The ref to record as pending once `message` is stored (None: no after-action for it)."""
        if self._cfg.after.kind is AfterKind.NONE or message.folder is None:
            return None
        return message.ref if parse_ref(message.ref) is not None else None

    def after_store(self, message: RawMessage) -> None:
        """Queue the configured action for a stored message; sent with the next batch or at close."""
        if self._cfg.after.kind is AfterKind.NONE or message.folder is None:
            return
        parsed = parse_ref(message.ref)
        if parsed is None:
            self._log.warning("%s: %s is not an IMAP reference; no after-action", self.name, message.ref)
            return
        _, uidvalidity, uid = parsed
        self._pending.setdefault(message.folder, []).append((uidvalidity, uid))

    def settled(self) -> list[str]:
        """Refs whose after-action was sent (or dropped with a warning) since the last call."""
        out, self._settled = self._settled, []
        return out

    def replay(self, refs: Sequence[str]) -> None:
        """Send the after-actions an earlier scan recorded and did not confirm, before anything is fetched.

        Per folder, by UID within the recorded UIDVALIDITY: one whose UIDVALIDITY changed or whose
        message is gone is dropped with a warning. Reconnects like fetch(); then SourceError.
        """
        by_folder: dict[str, list[tuple[int, int]]] = {}
        for ref in refs:
            parsed = parse_ref(ref)
            if parsed is None:
                self._log.warning("%s: %s: recorded after-action dropped: not an IMAP reference", self.name, ref)
                self._settled.append(ref)
                continue
            folder, uidvalidity, uid = parsed
            by_folder.setdefault(folder, []).append((uidvalidity, uid))
        if self._cfg.after.kind is AfterKind.NONE:
            if by_folder:
                self._log.warning("%s: after = \"none\" now: %d after-action(s) recorded by an earlier scan dropped",
                                  self.name, sum(map(len, by_folder.values())))
                self._settled.extend(_ref(f, v, u) for f, entries in by_folder.items() for v, u in entries)
            return
        for folder, entries in by_folder.items():
            self._log.info("%s: %s: sending %d after-action(s) left by an earlier scan", self.name, folder,
                           len(entries))
            failures = 0
            while True:
                done = set(self._settled)  # after a reconnect: those already sent or dropped are not sent again
                try:
                    self._replay_folder(folder, sorted({e for e in entries if _ref(folder, *e) not in done}))
                except TRANSIENT as exc:
                    failures += 1
                    self._backoff(failures, f"after-actions left in {folder}", exc)
                else:
                    break

    def _replay_folder(self, folder: str, entries: list[tuple[int, int]]) -> None:
        if not self._conn().folder_exists(folder):
            self._warn_dropped(folder, entries, "the folder is gone")
            return
        uidvalidity = self._select(folder)
        current = self._drop_stale(folder, entries, uidvalidity)
        for start in range(0, len(current), REPLAY_CHUNK):
            chunk = current[start:start + REPLAY_CHUNK]
            present = {int(u) for u in self._conn().search(["UID", uid_set(chunk)])}
            gone = [u for u in chunk if u not in present]
            if gone:
                self._warn_dropped(folder, [(uidvalidity, u) for u in gone], "the message is gone")
            uids = [u for u in chunk if u in present]
            if uids and self._apply(folder, uids):
                self._settled.extend(_ref(folder, uidvalidity, u) for u in uids)

    def _drop_stale(self, folder: str, entries: list[tuple[int, int]], uidvalidity: int) -> list[int]:
        """UIDs of `entries` under `uidvalidity`; the others are dropped with a warning (they name nothing now)."""
        stale = [(v, u) for v, u in entries if v != uidvalidity]
        if stale:
            self._warn_dropped(folder, stale, f"UIDVALIDITY is now {uidvalidity}")
        return [u for v, u in entries if v == uidvalidity]

    def _warn_dropped(self, folder: str, entries: list[tuple[int, int]], why: str) -> None:
        for v in sorted({v for v, _ in entries}):
            uids = sorted(u for w, u in entries if w == v)
            self._log.warning("%s: %s UID%s %s (UIDVALIDITY %d): %s dropped: %s", self.name, folder,
                              "s" if len(uids) > 1 else "", uid_set(uids), v, self._cfg.after.kind.value, why)
        self._settled.extend(_ref(folder, v, u) for v, u in entries)

    def _flush(self, folder: str) -> None:
        """Apply queued after-actions of `folder` (selected by the caller or here) in one command each."""
        entries = self._pending.get(folder)
        if not entries:
            return
        uidvalidity = self._select(folder)
        uids = self._drop_stale(folder, entries, uidvalidity)
        if uids and self._apply(folder, uids):
            self._settled.extend(_ref(folder, uidvalidity, u) for u in uids)
        del self._pending[folder]

    def _apply(self, folder: str, uids: list[int]) -> bool:
        """Send the action for `uids` of the selected `folder`; False: the server refused it (logged)."""
        client, after = self._conn(), self._cfg.after
        span = f"{folder} UID{'s' if len(uids) > 1 else ''} {_span(uids)}"
        try:
            if after.kind is AfterKind.SEEN:
                client.add_flags(uids, [imapclient.SEEN], silent=True)
            elif after.kind is AfterKind.MOVE and after.folder is not None:
                if client.has_capability("MOVE"):
                    client.move(uids, after.folder)
                else:
                    client.copy(uids, after.folder)
                    self._expunge(client, uids, folder)
            elif after.kind is AfterKind.DELETE:
                self._expunge(client, uids, folder)
        except IMAPClientError as exc:
            if isinstance(exc, TRANSIENT):
                raise
            self._log.warning("%s: %s: %s failed: %s (the messages stay where they are; the next scan tries "
                              "again)", self.name, span, after.kind.value, _one_line(exc))
            return False
        self._log.debug("%s: %s: %s done", self.name, span, after.kind.value)
        return True

    def _expunge(self, client: imapclient.IMAPClient, uids: list[int], folder: str) -> None:
        client.add_flags(uids, [imapclient.DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        elif not self._warned_no_uidplus:  # a plain EXPUNGE would also remove others' \Deleted messages
            self._warned_no_uidplus = True
            self._log.warning("%s: %s: server lacks UIDPLUS; messages are flagged \\Deleted but not "
                              "expunged (the mail client or server policy removes them)", self.name, folder)

    def close(self) -> None:
        """Send queued after-actions (with reconnects), then LOGOUT."""
        failures = 0
        while self._pending:
            folder = next(iter(self._pending))
            try:
                self._flush(folder)
            except TRANSIENT as exc:
                failures += 1
                try:
                    self._backoff(failures, f"after-actions in {folder}", exc)
                except SourceError as err:
                    self._log.warning("%s; %d message(s) stay in place (the next scan tries again)", err,
                                      sum(map(len, self._pending.values())))
                    self._pending.clear()
        self._drop()


def parse_ref(ref: str) -> tuple[str, int, int] | None:
    """(folder, UIDVALIDITY, UID) of a ref "folder/UIDVALIDITY/UID" (None: not one)."""
    try:
        folder, uidvalidity, uid = ref.rsplit("/", 2)
        return folder, int(uidvalidity), int(uid)
    except ValueError:
        return None


def _ref(folder: str, uidvalidity: int, uid: int) -> str:
    return f"{folder}/{uidvalidity}/{uid}"


def uid_set(uids: Sequence[int]) -> str:
    """Ascending UIDs in IMAP sequence-set form: [1, 2, 3, 7] -> "1:3,7"."""
    parts: list[str] = []
    start = prev = None
    for uid in uids:
        if prev is not None and uid == prev + 1:
            prev = uid
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}:{prev}")
        start = prev = uid
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}:{prev}")
    return ",".join(parts)


def _span(uids: list[int]) -> str:
    return str(uids[0]) if len(uids) == 1 else f"{uids[0]}-{uids[-1]} ({len(uids)})"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def describe_cursor(cursor: str) -> str:
    """A short form of the cursor for `ndr state`: "INBOX UID 42 (UIDVALIDITY 1712345678); ..."."""
    try:
        states = decode_cursor(cursor, "cursor")
    except SourceError:
        return cursor[:60]
    return "; ".join(f"{f} UID {s.uid} (UIDVALIDITY {s.uidvalidity})" for f, s in sorted(states.items())) or "-"


def open_source(config: ImapConfig, *, log: logging.Logger) -> ImapConnector:
    """A connector for `config`; secrets are read now (a missing one is a ConfigError), the network later."""
    password: Secret | None = None
    tokens: TokenSource | None = None
    if config.auth is Auth.PASSWORD:
        assert config.password is not None
        password = config.password.load()
        warn_if_exposed(config.password, log)
    elif config.token_command is not None:
        tokens = CommandTokens(config.token_command, where=config.where, timeout=config.timeout)
    else:
        assert config.msal is not None
        tokens = MsalTokens(config.msal, scopes=[config.scope], log=log, timeout=config.timeout)
    return ImapConnector(config, log=log, password=password, tokens=tokens)
