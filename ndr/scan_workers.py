"""Analysis of fetched messages, in this process or in worker processes, handed back in fetch order.

The scan loop (`ndr.scan`) stays the one writer: it fetches, decides which messages need analysis
(their digest is not stored yet), `put`s them here and stores what comes back, in the order it was
fetched, so the cursor stored with each batch never passes a message that is not stored.

- `Inline`: analyses on the spot (`--jobs 1`).
- `Workers`: `--jobs N` analysis processes (multiprocessing 'forkserver': no fork of a process
  holding SQLite connections or threads). Messages go in chunks (fewer round trips); at most
  `window` messages are in flight, so memory stays flat however large the mailbox. A worker pool
  that breaks (a worker killed) is replaced by in-process analysis for the rest of the run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from analyzer import Options
from connectors.base import RawMessage
from ndr.store import Prepared, prepare, prepare_failed

CHUNK = 16  # messages per task sent to a worker
CHUNK_SECONDS = 0.05  # ... or fewer, when the source is slow to deliver them
WINDOW_PER_JOB = 4 * CHUNK  # messages in flight per worker (fetched, not yet handed back)
WATCH_SECONDS = 0.5  # how often a worker checks that the writer process is still there


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A message analysed (or not: `prepared` None means its bytes are already known: a duplicate)."""

    item: RawMessage
    digest: str
    prepared: Prepared | None
    error: str | None = None  # "Type: message" when the analysis raised (prepared is then prepare_failed's)
    trace: str | None = None  # the traceback of that exception


PrepareFn = Callable[..., Prepared]  # ndr.store.prepare's signature: (data, options, *, digest)


def analyse(data: bytes, digest: str, options: Options,
            prepare_fn: PrepareFn = prepare) -> tuple[Prepared, str | None, str | None]:
    """One message: (prepared, error, traceback). The per-message boundary: never raises."""
    try:
        return prepare_fn(data, options, digest=digest), None, None
    except Exception as exc:  # noqa: BLE001 - the one broad except: the per-message boundary
        return prepare_failed(data, exc, digest=digest), f"{type(exc).__name__}: {exc}", traceback.format_exc()


def analyse_chunk(chunk: list[tuple[bytes, str]], options: Options) -> list[tuple[Prepared, str | None, str | None]]:
    """The task a worker runs."""
    return [analyse(data, digest, options) for data, digest in chunk]


def _worker_init(writer: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle: it stores what is done
    threading.Thread(target=_exit_with, args=(writer,), name="ndr-writer-watch", daemon=True).start()


def _exit_with(writer: int) -> None:
    """End this worker once the writer process is gone (killed: nobody would ever send it work again)."""
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            os.kill(writer, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass  # it exists (as another user's process: the pid was reused, which cannot be told apart)


class Inline:
    """Analysis in this process."""

    def __init__(self, options: Options, prepare_fn: PrepareFn = prepare) -> None:
        self.options = options
        self.prepare_fn = prepare_fn
        self._done: list[Outcome] = []

    def put(self, item: RawMessage, digest: str, *, analyse_it: bool) -> None:
        if not analyse_it:
            self._done.append(Outcome(item=item, digest=digest, prepared=None))
            return
        prepared, error, trace = analyse(item.data, digest, self.options, self.prepare_fn)
        self._done.append(Outcome(item=item, digest=digest, prepared=prepared, error=error, trace=trace))

    def ready(self) -> Iterator[Outcome]:
        """Outcomes in fetch order, as far as they are known (here: all)."""
        done, self._done = self._done, []
        yield from done

    def finish(self) -> Iterator[Outcome]:
        return self.ready()

    def close(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class _Task:
    """One chunk sent to a worker (or analysed inline once the pool broke)."""

    payload: list[tuple[bytes, str]] = field(default_factory=list)
    future: Future[list[tuple[Prepared, str | None, str | None]]] | None = None
    results: list[tuple[Prepared, str | None, str | None]] | None = None
    started: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class _Slot:
    item: RawMessage
    digest: str
    task: _Task | None  # None: a duplicate, nothing to analyse
    index: int = 0


class Workers:
    """Analysis in `jobs` worker processes, outcomes in fetch order."""

    def __init__(self, options: Options, jobs: int, *, chunk: int = CHUNK, window: int | None = None) -> None:
        self.options = options
        self.chunk = chunk
        self.window = window if window is not None else jobs * WINDOW_PER_JOB
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ndr.store.prepare", "ndr.scan_workers"])
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                                                                     initargs=(os.getpid(),))
        self._slots: deque[_Slot] = deque()
        self._open = _Task()  # the chunk being filled
        self.broken: str | None = None  # why the pool was given up, once it was

    def put(self, item: RawMessage, digest: str, *, analyse_it: bool) -> None:
        if not analyse_it:
            self._slots.append(_Slot(item=item, digest=digest, task=None))
            return
        task = self._open
        if not task.payload:
            task.started = time.monotonic()
        self._slots.append(_Slot(item=item, digest=digest, task=task, index=len(task.payload)))
        task.payload.append((item.data, digest))
        if len(task.payload) >= self.chunk or time.monotonic() - task.started >= CHUNK_SECONDS:
            self._submit()

    def _submit(self) -> None:
        task, self._open = self._open, _Task()
        if not task.payload:
            return
        if self._pool is not None:
            try:
                task.future = self._pool.submit(analyse_chunk, task.payload, self.options)
            except (BrokenProcessPool, RuntimeError) as exc:
                self._give_up(exc)
            else:
                return
        task.results = analyse_chunk(task.payload, self.options)

    def ready(self) -> Iterator[Outcome]:
        """Outcomes in fetch order: those already analysed, then (waiting) enough to keep the window."""
        while self._slots:
            head = self._slots[0]
            if head.task is not None and head.task is self._open:
                if len(self._slots) <= self.window:
                    return
                self._submit()  # the window is full of one open chunk: send it
            if head.task is not None and not self._resolved(head.task, wait=len(self._slots) > self.window):
                return
            yield self._pop()

    def finish(self) -> Iterator[Outcome]:
        """Every outcome still pending, in fetch order (waits for the workers)."""
        self._submit()
        while self._slots:
            head = self._slots[0]
            if head.task is not None:
                self._resolved(head.task, wait=True)
            yield self._pop()

    def _pop(self) -> Outcome:
        slot = self._slots.popleft()
        if slot.task is None:
            return Outcome(item=slot.item, digest=slot.digest, prepared=None)
        assert slot.task.results is not None
        prepared, error, trace = slot.task.results[slot.index]
        return Outcome(item=slot.item, digest=slot.digest, prepared=prepared, error=error, trace=trace)

    def _resolved(self, task: _Task, *, wait: bool) -> bool:
        """Whether the task's results are in (fetching them from its future)."""
        if task.results is not None:
            return True
        if task.future is None:
            return False
        if not wait and not task.future.done():
            return False
        try:
            task.results = task.future.result()
        except BrokenProcessPool as exc:
            self._give_up(exc)
            if task.results is None:
                task.results = analyse_chunk(task.payload, self.options)
        return True

    def _give_up(self, exc: BaseException) -> None:
        """The pool broke: analyse everything still pending in this process from now on."""
        self.broken = self.broken or f"{type(exc).__name__}: {exc}"
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        for slot in self._slots:
            task = slot.task
            if task is not None and task.results is None and task.future is not None:
                task.future = None  # analysed inline when reached
                task.results = analyse_chunk(task.payload, self.options)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
