"""The Microsoft Graph source: one folder of one mailbox, read incrementally with the messages delta query.

A round starts at the stored deltaLink (or, the first time, at .../mailFolders/{id}/messages/delta)
and follows @odata.nextLink verbatim until a page carries @odata.deltaLink. Each message's MIME
comes from .../messages/{id}/$value, up to `max_concurrent_requests` (<= 4) downloads at a time,
yielded in delta order. Only the last message of each page carries a cursor (the page's nextLink,
or the deltaLink on the last page), and a Checkpoint with the same link follows each page, so a
long first sync resumes at the page it stopped in; a crash mid-page re-reads that page. A message
seen again (after a crash, a 410 resync, or a change) is deduplicated by the store.

Cursor (JSON): {"v": 1, "mailbox", "folder_id", "link", "done", "skip": [ids], "acted": [ids]}. `acted`
are ids this source marked read in the current round, `skip` those of the previous round: Graph
reports them again as changed, and they are already stored, so they are not downloaded again.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from connectors.base import Checkpoint, RawMessage
from connectors.graph_config import GraphConfig, parse_config
from connectors.graph_folders import resolve_folder, user_url
from connectors.graph_http import GraphHttp, GraphNotFound, SyncStateGone
from connectors.msauth import Log, TokenSource
from ndr.errors import SourceError

__all__ = ["GraphConfig", "GraphConnector", "open_source", "parse_config"]

CURSOR_VERSION = 1
SELECT = "id,receivedDateTime,isRead"  # all the delta query needs: the MIME comes from $value
MAX_REMEMBERED = 10_000  # ids kept in `acted`/`skip`; beyond, changed messages are fetched and deduplicated


@dataclass(slots=True, kw_only=True)
class _Cursor:
    """The parsed cursor (mutable while a round runs)."""

    mailbox: str
    folder_id: str
    link: str | None = None  # nextLink (mid-round) or deltaLink (round done); None: full sync
    skip: set[str] = field(default_factory=set)  # ids to pass over this round (acted on last round)
    acted: dict[str, None] = field(default_factory=dict)  # ids acted on this round (ordered set)

    def dump(self, link: str, *, round_done: bool) -> str:
        skip, acted = (list(self.acted), []) if round_done else (sorted(self.skip), list(self.acted))
        return json.dumps({"v": CURSOR_VERSION, "mailbox": self.mailbox, "folder_id": self.folder_id, "link": link,
                           "done": round_done, "skip": skip[:MAX_REMEMBERED], "acted": acted[:MAX_REMEMBERED]})

    def next_round(self) -> None:
        self.skip, self.acted = set(self.acted), {}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    """A message listed by the delta query, not yet downloaded."""

    id: str  # Graph message id
    received_at: str | None  # receivedDateTime
    is_read: bool  # isRead when listed


@dataclass(frozen=True, slots=True, kw_only=True)
class _PageEnd:
    """End of a delta page: the link to resume from."""

    link: str  # @odata.nextLink or @odata.deltaLink
    round_done: bool  # True for the deltaLink


class GraphConnector:
    """Connector for one Graph source (see module docstring)."""

    def __init__(self, config: GraphConfig, *, log: Log, tokens: TokenSource | None = None) -> None:
        self.name = config.name
        self._c, self._log = config, log
        self._tokens = tokens or TokenSource(config.auth, scopes=config.token_scopes(), log=log,
                                             timeout=config.timeout)
        self._http = GraphHttp(config, self._tokens, log=log)
        self._user = user_url(self._http, config.mailbox)
        self._cursor: _Cursor | None = None
        self._read_state: dict[str, bool] = {}  # id -> isRead, for messages yielded and not yet acted on
        self._dest_id: str | None = None
        self.total: int | None = None  # messages in the folder on a full sync (progress bar); None: unknown
        self._removed = 0  # @removed entries seen this round

    # ---- Connector protocol
    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        """One delta round. The last message of each page carries the page's link as its cursor, and a
        Checkpoint follows (the same link, with this page's after-actions), so a scan that stops after
        any message resumes at the page it was in."""
        c = self._c
        folder_id = resolve_folder(self._http, c.mailbox, c.folder, key=f"{c.where}.folder")
        if c.after.kind == "move" and c.after.folder is not None:
            self._dest_id = resolve_folder(self._http, c.mailbox, c.after.folder, key=f"{c.where}.after")
        state = self._load(cursor, folder_id)
        self._cursor, self._removed = state, 0
        self._read_state.clear()
        if state.link is None:
            self.total = self._folder_total(folder_id)
        page_size = min(c.page_size, limit) if limit else c.page_size  # a limited scan still ends on a page
        held: RawMessage | None = None  # one message of lookahead: is it the last of its page?
        count = 0
        for event in self._download(self._events(state, page_size)):
            if isinstance(event, RawMessage):
                if held is not None:
                    yield held
                    if limit is not None and count >= limit:
                        return
                held, count = event, count + 1
                continue
            if held is not None:
                yield replace(held, cursor=state.dump(event.link, round_done=event.round_done))
                held = None
            yield Checkpoint(cursor=state.dump(event.link, round_done=event.round_done))
            if event.round_done:
                self._log.info("%s: delta round complete: %d messages, %d removed from the folder (ignored)",
                               c.name, count, self._removed)
                state.next_round()
            if limit is not None and count >= limit:
                return

    def after_store(self, message: RawMessage) -> None:
        kind = self._c.after.kind
        was_read = self._read_state.pop(message.ref, False)
        if kind == "none":
            return
        url = f"{self._user}/messages/{quote(message.ref, safe='')}"
        if kind == "read":
            if was_read:
                return
            self._http.request("PATCH", url, body={"isRead": True})
            if self._cursor is not None and len(self._cursor.acted) < MAX_REMEMBERED:
                self._cursor.acted[message.ref] = None
            self._log.debug("%s: marked %s read", self._c.name, message.ref)
            return
        try:
            self._http.request("POST", f"{url}/move", body={"destinationId": self._dest_id})
        except GraphNotFound:
            self._log.info("%s: %s was already moved or deleted", self._c.name, message.ref)
            return
        self._log.debug("%s: moved %s to %s", self._c.name, message.ref, self._c.after.folder)

    def close(self) -> None:
        self._http.close()

    def _folder_total(self, folder_id: str) -> int | None:
        folder = self._http.get_json(f"{self._user}/mailFolders/{quote(folder_id, safe='')}",
                                     params={"$select": "id,totalItemCount"})
        total = folder.get("totalItemCount")
        return total if isinstance(total, int) else None

    # ---- the round
    def _load(self, cursor: str | None, folder_id: str) -> _Cursor:
        fresh = _Cursor(mailbox=self._c.mailbox, folder_id=folder_id)
        if cursor is None:
            self._log.info("%s: first run: full sync of %s/%s", self._c.name, self._c.mailbox, self._c.folder)
            return fresh
        try:
            old = _parse_cursor(cursor)
        except (ValueError, KeyError, TypeError):
            self._log.warning("%s: stored cursor unreadable; full sync (stored messages are deduplicated)",
                              self._c.name)
            return fresh
        if old.mailbox.lower() != self._c.mailbox.lower() or old.folder_id != folder_id:
            self._log.warning("%s: mailbox or folder changed since the last run; full sync of %s/%s",
                              self._c.name, self._c.mailbox, self._c.folder)
            return fresh
        return old

    def _events(self, state: _Cursor, page_size: int) -> Iterator[_Item | _PageEnd]:
        """Messages and page ends of one round, following nextLinks; a 410 restarts with a full sync."""
        start = f"{self._user}/mailFolders/{quote(state.folder_id, safe='')}/messages/delta"
        url = state.link or start
        headers = {"Prefer": f"odata.maxpagesize={page_size}"}
        while True:
            params = {"$select": SELECT} if url == start else None  # links carry their query: follow verbatim
            try:
                page = self._http.get_json(url, params=params, headers=headers)
            except SyncStateGone:
                if url == start:
                    raise
                self._log.warning("%s: the stored delta link expired (410); full resync of %s/%s, already "
                                  "stored messages are deduplicated", self._c.name, self._c.mailbox, self._c.folder)
                url = start
                continue
            for item in page.get("value", ()):
                mid = item.get("id")
                if not isinstance(mid, str):
                    continue
                if "@removed" in item:
                    self._removed += 1
                    self._log.debug("%s: %s removed from the folder (%s)", self._c.name, mid,
                                    item["@removed"].get("reason", "?") if isinstance(item["@removed"], dict) else "?")
                    continue
                if mid in state.skip or mid in state.acted:
                    self._log.debug("%s: %s changed by our after-action; already stored", self._c.name, mid)
                    continue
                yield _Item(id=mid, received_at=item.get("receivedDateTime"), is_read=bool(item.get("isRead")))
            if "@odata.nextLink" in page:
                url = str(page["@odata.nextLink"])
                yield _PageEnd(link=url, round_done=False)
            elif "@odata.deltaLink" in page:
                yield _PageEnd(link=str(page["@odata.deltaLink"]), round_done=True)
                return
            else:
                raise SourceError(f"{self._c.where}: Graph delta page without nextLink or deltaLink")

    def _download(self, events: Iterable[_Item | _PageEnd]) -> Iterator[RawMessage | _PageEnd]:
        """$value of each item on a small pool, yielded in delta order; page ends pass through in place."""
        workers = self._c.max_concurrent_requests
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"graph-{self._c.name}")
        window: deque[tuple[_Item, Future[bytes | None]] | _PageEnd] = deque()
        source = iter(events)
        pending = 0
        try:
            while True:
                while pending < 2 * workers:
                    event = next(source, None)
                    if event is None:
                        break
                    if isinstance(event, _PageEnd):
                        window.append(event)
                        continue
                    window.append((event, pool.submit(self._mime, event.id)))
                    pending += 1
                    if pending >= 2 * workers:
                        break
                if not window:
                    return
                head = window.popleft()
                if isinstance(head, _PageEnd):
                    yield head
                    continue
                pending -= 1
                item, future = head
                data = future.result()
                if data is None:
                    continue
                self._read_state[item.id] = item.is_read
                yield RawMessage(ref=item.id, data=data, cursor=None, folder=self._c.folder,
                                 received_at=item.received_at)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _mime(self, message_id: str) -> bytes | None:
        """The message's MIME bytes (Content-Type ignored); None when it vanished since it was listed."""
        try:
            resp = self._http.request("GET", f"{self._user}/messages/{quote(message_id, safe='')}/$value")
        except GraphNotFound:
            self._log.info("%s: %s vanished before it could be fetched (moved or deleted)", self._c.name, message_id)
            return None
        self._log.debug("%s: fetched %s (%d bytes)", self._c.name, message_id, len(resp.content))
        return resp.content


def _parse_cursor(text: str) -> _Cursor:
    data = json.loads(text)
    if data.get("v") != CURSOR_VERSION:
        raise ValueError(f"cursor version {data.get('v')!r}")
    return _Cursor(mailbox=str(data["mailbox"]), folder_id=str(data["folder_id"]), link=str(data["link"]),
                   skip=set(map(str, data.get("skip", ()))), acted=dict.fromkeys(map(str, data.get("acted", ()))))


def describe_cursor(cursor: str) -> str:
    """A cursor in a few words for `ndr state`."""
    try:
        state = _parse_cursor(cursor)
        done = bool(json.loads(cursor).get("done", True))
    except (ValueError, KeyError, TypeError, AttributeError):
        return cursor[:60]
    where = f"{state.mailbox} folder {state.folder_id[:10]}...{state.folder_id[-6:]}"
    if done:
        return f"{where}: up to date at the last scan (deltaLink)"
    return f"{where}: a delta round in progress (nextLink); the next scan resumes it"


def open_source(config: GraphConfig, *, log: Log) -> GraphConnector:
    """The connector for a parsed `type = "graph"` source. Reads its secret now (ConfigError if missing)."""
    return GraphConnector(config, log=log)
