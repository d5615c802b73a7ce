"""The scan loop: for each source, fetch -> analyse -> store with the cursor (one transaction) -> after-action.

- Analysis is a pure function of the bytes (`ndr.store.prepare`): with `jobs` > 1 it runs in worker
  processes (`ndr.scan_workers`) and this loop stays the one writer; outcomes come back in fetch
  order, so the batches and their cursors are exactly those of a single-process scan.
- Messages are stored in small batches (ScanOptions.batch_size, batch_seconds): each batch and the
  cursor of its last message are one transaction; after-actions run once their batch is committed.
  A kill loses at most the uncommitted batch, which the next scan fetches again.
- A message whose digest is already stored is not analysed again: only its ref and the cursor are
  recorded (a duplicate).
- One bad message never stops a scan: if the analysis raises, the message is stored as kind=error
  with the exception as a defect (so the cursor moves past it) and counted as failed.
- A store failure stops that source (its cursor stays at the last stored message).
- SourceError / AuthError / ConfigError from a connector stop that source; the others go on.
- Dry run: fetch and analyse, store nothing, no after-actions.
- After-actions of a DurableAfter connector (IMAP) are recorded in the transaction of their message
  (`pending_after`) and forgotten in the next transaction once the connector reports them sent; a
  scan first replays those a killed scan left (connectors.base.DurableAfter).
- File sources (connectors.base.FileIndexed: dir, maildir) get the store's file index before they
  list: unchanged files are not read (counted as skipped, not fetched); each stored file's (size,
  mtime_ns) goes into the index in the transaction that stores its message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from analyzer import DEFAULT_OPTIONS, Options
from analyzer.model import Analysis
from connectors.base import Checkpoint, Connector, DurableAfter, FileIndexed, RawMessage
from ndr.config import SourceConfig, source_module
from ndr.errors import AuthError, ConfigError, NdrError
from ndr.log import source_logger
from ndr.progress import Bars, NoBars
from ndr.scan_workers import Inline, Outcome, Workers
from ndr.store import New, Prepared, Seen, Store, StoreError, digest_of, prepare

BAR_INTERVAL_S = 0.1  # progress bars are redrawn at most this often


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanOptions:
    """What `ndr scan` was asked to do."""

    max_messages: int | None = None  # per source: stop after this many messages fetched
    dry_run: bool = False  # fetch and analyse, store nothing, no after-actions
    analysis: Options = DEFAULT_OPTIONS  # analyzer parameters (stored rows use the default prefix lengths)
    batch_size: int = 100  # messages stored per transaction (with the cursor of the last one)
    batch_seconds: float = 0.5  # ... or fewer, when fetching them took this long (slow sources)
    jobs: int = 1  # analysis processes (1: in this process)


@dataclass(slots=True, kw_only=True)
class SourceResult:
    """Counters of one source in one run (filled in as the scan goes)."""

    name: str
    type: str
    fetched: int = 0  # messages fetched
    new: int = 0  # stored for the first time (dry run: would be)
    duplicates: int = 0  # their bytes were already stored
    failed: int = 0  # analysis raised (stored as kind=error) or the file could not be read
    skipped: int = 0  # files not read: unchanged since their message was stored (not counted as fetched)
    seconds: float = 0.0
    error: str | None = None  # why the source stopped early
    fatal: bool = False  # the error was a configuration or authentication error (exit 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanResult:
    """The whole run."""

    sources: tuple[SourceResult, ...]
    run_id: int | None  # runs.id (None for a dry run)
    exit_code: int  # 0 all good, 1 some messages or sources failed, 2 configuration/authentication error


def exit_code_of(results: Iterable[SourceResult]) -> int:
    results = list(results)
    if any(r.fatal for r in results):
        return 2
    if any(r.error is not None or r.failed for r in results):
        return 1
    return 0


@dataclass(slots=True, kw_only=True)
class _Batch:
    """Messages fetched, analysed and not yet stored."""

    source: str
    connector: Connector
    result: SourceResult
    items: list[tuple[RawMessage, New | Seen]] = field(default_factory=list)
    digests: set[str] = field(default_factory=set)  # of New entries fetched and not stored yet: repeats are Seen
    started: float = field(default_factory=time.monotonic)
    store_failed: bool = False  # a flush raised: store nothing more (the cursor must not pass the lost batch)

    def age(self) -> float:
        return time.monotonic() - self.started


@dataclass(slots=True)
class Scanner:
    """Runs sources one after the other against one store (None: dry run without a store)."""

    store: Store | None
    options: ScanOptions = field(default_factory=ScanOptions)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("ndr.scan"))
    bars: Bars = field(default_factory=NoBars)
    _seen: set[str] = field(default_factory=set)  # digests met in this dry run
    _drawn: float = 0.0

    @property
    def writing(self) -> bool:
        return self.store is not None and not self.options.dry_run

    def run(self, sources: Sequence[SourceConfig], *, argv: str = "") -> ScanResult:
        """Scan every source; record the run (not in a dry run)."""
        run_id = None
        if self.writing:
            assert self.store is not None
            for src in sources:
                self.store.ensure_source(src.name, src.type)
            run_id = self.store.start_run(argv, [s.name for s in sources])
        results = []
        for src in sources:
            result = self.scan_source(src)
            results.append(result)
            if run_id is not None:
                self._finish_source(run_id, result)
        code = exit_code_of(results)
        if run_id is not None:
            assert self.store is not None
            try:
                self.store.finish_run(run_id, code)
            except StoreError as exc:
                self.log.error("cannot record the end of the run: %s", exc)  # noqa: TRY400 - operator problem
                code = max(code, 1)
        return ScanResult(sources=tuple(results), run_id=run_id, exit_code=code)

    def _finish_source(self, run_id: int, r: SourceResult) -> None:
        assert self.store is not None
        try:
            self.store.finish_source(run_id, r.name, fetched=r.fetched, new=r.new, duplicates=r.duplicates,
                                     failed=r.failed, seconds=r.seconds, error=r.error, skipped=r.skipped)
        except StoreError as exc:
            self.log.error("%s: cannot record the source's summary: %s", r.name, exc)  # noqa: TRY400
            r.error = r.error or str(exc)

    def scan_source(self, src: SourceConfig) -> SourceResult:
        """One source, start to end. Errors stop it and land in result.error."""
        result = SourceResult(name=src.name, type=src.type)
        started = time.monotonic()
        self.bars.start(src.name)
        connector: Connector | None = None
        try:
            connector = source_module(src.type, src.where).open_source(src.settings, log=source_logger(src.name))
            self._fetch(src, connector, result)
        except (AuthError, ConfigError) as exc:
            result.error, result.fatal = str(exc), True
            self.log.error("%s", _named(src.name, str(exc)))  # noqa: TRY400 - an operator problem, not a bug
        except NdrError as exc:  # SourceError, StoreError
            result.error = str(exc)
            self.log.error("%s: stopped: %s", src.name, _unnamed(src.name, str(exc)))  # noqa: TRY400
        finally:
            if connector is not None:
                result.failed += int(getattr(connector, "failures", 0))
                if isinstance(connector, FileIndexed):
                    result.skipped = connector.skipped
                try:
                    connector.close()
                except NdrError as exc:
                    self.log.warning("%s: closing: %s", src.name, exc)
                self._settle(src.name, connector)
            result.seconds = time.monotonic() - started
            self._draw(src.name, result, connector, force=True)
            self.bars.stop(src.name)
        return result

    def _fetch(self, src: SourceConfig, connector: Connector, result: SourceResult) -> None:
        cursor = self.store.cursor_of(src.name) if self.store is not None else None
        limit = self.options.max_messages
        batch = _Batch(source=src.name, connector=connector, result=result)
        indexed = connector if isinstance(connector, FileIndexed) else None
        if indexed is not None and self.store is not None:
            indexed.index = self.store.file_index(src.name)
        if self.writing and isinstance(connector, DurableAfter):
            assert self.store is not None
            left = self.store.pending_after(src.name)
            if left:
                connector.replay(left)
                self._settle(src.name, connector)
        analysis = self._analysis()
        try:
            for item in connector.fetch(cursor, limit=limit):
                if isinstance(item, Checkpoint):
                    self._take(analysis.finish(), batch)
                    self._flush(batch)
                    if self.writing:
                        assert self.store is not None
                        self.store.set_cursor(src.name, item.cursor)
                    continue
                result.fetched += 1
                digest = digest_of(item.data)
                fresh = not (self._known(digest) or digest in batch.digests)
                if fresh:
                    batch.digests.add(digest)
                analysis.put(item, digest, analyse_it=fresh)
                self._take(analysis.ready(), batch)
                self._draw(src.name, result, connector)
                if limit is not None and result.fetched >= limit:
                    break
            if indexed is not None and indexed.gone and self.writing:
                assert self.store is not None
                self.store.forget_files(src.name, indexed.gone)
        finally:  # what was fetched before an error (or Ctrl-C) is stored, unless storing is what failed
            try:
                if not batch.store_failed:
                    self._take(analysis.finish(), batch)
                    self._flush(batch)
            finally:
                analysis.close()
                if isinstance(analysis, Workers) and analysis.broken:
                    self.log.warning("%s: the analysis workers stopped (%s); analysed the rest in this process",
                                     src.name, analysis.broken)

    def _analysis(self) -> Inline | Workers:
        if self.options.jobs > 1:
            return Workers(self.options.analysis, self.options.jobs)
        return Inline(self.options.analysis, _prepare)

    def _take(self, outcomes: Iterable[Outcome], batch: _Batch) -> None:
        """Analysed messages, in fetch order, into the batch; a full (or old) batch is stored."""
        for outcome in outcomes:
            batch.items.append((outcome.item, self._entry(outcome, batch.source)))
            if len(batch.items) >= self.options.batch_size or batch.age() >= self.options.batch_seconds:
                self._flush(batch)

    def _entry(self, outcome: Outcome, source: str) -> New | Seen:
        item = outcome.item
        if outcome.prepared is None:
            return Seen(ref=item.ref, digest=outcome.digest, stat=item.stat)
        if outcome.error is not None:
            self.log.error("%s: %s: analysis failed (%s); stored as kind=error", source, item.ref, outcome.error)
            self.log.debug("%s: %s: traceback of the analysis failure:\n%s", source, item.ref, outcome.trace)
        return New(ref=item.ref, prepared=outcome.prepared, folder=item.folder, received_at=item.received_at,
                   stat=item.stat)

    def _known(self, digest: str) -> bool:
        if self.store is not None and self.store.has_digest(digest):
            return True
        return digest in self._seen

    def _flush(self, batch: _Batch) -> None:
        """Store the batch and its last cursor in ONE transaction, then count, log and run the after-actions."""
        items, batch.items, batch.started = batch.items, [], time.monotonic()
        if not items:
            return
        batch.digests.difference_update(entry.prepared.digest for _, entry in items if isinstance(entry, New))
        if self.writing:
            assert self.store is not None
            cursors = [item.cursor for item, _ in items if item.cursor is not None]
            durable = batch.connector if isinstance(batch.connector, DurableAfter) else None
            pending = [] if durable is None else [r for item, _ in items if (r := durable.pending_ref(item))]
            try:
                outcomes = self.store.record(batch.source, [entry for _, entry in items],
                                             cursors[-1] if cursors else None, advance=bool(cursors),
                                             pending=pending, settled=durable.settled() if durable else ())
            except BaseException:
                batch.store_failed = True
                raise
            news = [o.new for o in outcomes]
        else:
            news = [isinstance(entry, New) for _, entry in items]
            self._seen.update(entry.prepared.digest for _, entry in items if isinstance(entry, New))
        for (item, entry), new in zip(items, news, strict=True):
            self._count(batch, item, entry, new=new)
        if self.writing:
            for item, _ in items:
                batch.connector.after_store(item)

    def _settle(self, source: str, connector: Connector) -> None:
        """Forget the after-actions the connector has sent since the last transaction."""
        if not self.writing or not isinstance(connector, DurableAfter):
            return
        assert self.store is not None
        try:
            self.store.settle_after(source, connector.settled())
        except NdrError as exc:  # they stay recorded: the next scan finds them done or gone
            self.log.warning("%s: cannot record the after-actions sent: %s", source, exc)

    def _count(self, batch: _Batch, item: RawMessage, entry: New | Seen, *, new: bool) -> None:
        result = batch.result
        if not new or not isinstance(entry, New):  # a duplicate (or another writer stored the same bytes first)
            result.duplicates += 1
            self.log.debug("%s: %s: duplicate (already stored)", batch.source, item.ref)
        elif entry.prepared.failure is not None:
            result.failed += 1
        else:
            result.new += 1
            verb = "stored" if self.writing else "would store"
            self.log.info("%s: %s: %s %s", batch.source, item.ref, verb, describe(entry.prepared.analysis))

    def _draw(self, source: str, result: SourceResult, connector: Connector | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < BAR_INTERVAL_S:
            return
        self._drawn = now
        total = getattr(connector, "total", None) if connector is not None else None
        skipped = connector.skipped if isinstance(connector, FileIndexed) else 0
        self.bars.update(source, done=result.fetched, total=total if isinstance(total, int) else None,
                         detail=f"new {result.new}  dup {result.duplicates}  failed {result.failed}"
                         + (f"  unchanged {skipped}" if skipped else ""))


def _prepare(data: bytes, options: Options, *, digest: str) -> Prepared:
    """ndr.store.prepare, looked up when called (tests replace it)."""
    return prepare(data, options, digest=digest)


def _named(source: str, text: str) -> str:
    """`text` starting with the source's name (connectors often name it already)."""
    return text if text.startswith(f"{source}:") else f"{source}: {text}"


def _unnamed(source: str, text: str) -> str:
    return text.removeprefix(f"{source}: ")


def describe(analysis: Analysis) -> str:
    """A few words about an analysis for a log line: 'bounce: requireptr 2a01:111:f403:2612::/64'."""
    words = [analysis.kind.value]
    reasons = list(dict.fromkeys(r.reason.value for r in analysis.recipients if r.action != "delivered"))
    if reasons:
        words.append(": " + ", ".join(reasons[:3]) + (" ..." if len(reasons) > 3 else ""))
    if analysis.sending_prefix:
        words.append(f" from {analysis.sending_prefix}")
    return "".join(words)
