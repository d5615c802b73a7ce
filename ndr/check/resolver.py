"""The one resolver of a run: dnspython queries with configured servers, timeouts, retries, a per-run
cache, bounded concurrency and an offline mode.

Every lookup returns an `Answer` (never raises): a definite answer (records, NXDOMAIN, no data) or
the reason there is none (timeout, SERVFAIL, REFUSED, error, offline). Truncated UDP answers are
retried over TCP. After `GIVE_UP_AFTER` consecutive timeouts the resolver is declared unreachable
and further lookups fail at once, so a dead resolver costs seconds, not a night.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver

from ndr.check.config import DnsConfig, Server

log = logging.getLogger("ndr.check")

T = TypeVar("T")
R = TypeVar("R")

EDNS_PAYLOAD = 1232  # the DNS flag day 2020 recommendation: larger answers come truncated, then over TCP
GIVE_UP_AFTER = 12  # consecutive timeouts (over all servers) after which the resolver counts as unreachable
TXT_MAX = 8192  # characters kept of one TXT answer (hostile or broken records can be large)


class Status(StrEnum):
    """What became of one lookup."""

    OK = "ok"  # records returned
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists, without records of this type
    TIMEOUT = "timeout"  # no server answered in time
    SERVFAIL = "servfail"  # the server failed (broken zone, DNSSEC failure, upstream trouble)
    REFUSED = "refused"  # the server refused to answer (not its zone, or not for us)
    ERROR = "error"  # anything else (bad name, socket error, malformed answer)
    OFFLINE = "offline"  # not queried: offline mode


DEFINITE = frozenset({Status.OK, Status.NXDOMAIN, Status.NODATA})


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """One lookup and its outcome: also the evidence reports show."""

    name: str  # the queried name, lowercase, no trailing dot
    rdtype: str  # A, AAAA, PTR, TXT, MX, ...
    status: Status
    records: tuple[str, ...] = ()  # text form: addresses, names (no trailing dot), "pref host", TXT joined
    server: str | None = None  # the server that answered
    tcp: bool = False  # the answer came over TCP (UDP answer was truncated)
    detail: str | None = None  # why there is no definite answer

    @property
    def definite(self) -> bool:
        """The DNS answered (records, NXDOMAIN or no data): absence is then a fact, not a failure."""
        return self.status in DEFINITE

    def describe(self) -> str:
        """One evidence line: 'mail.example.com A -> 192.0.2.10' or '12.2.0.192.in-addr.arpa PTR: NXDOMAIN'."""
        head = f"{self.name} {self.rdtype}"
        if self.status is Status.OK:
            return f"{head} -> {', '.join(self.records)}"
        words = {
            Status.NXDOMAIN: "NXDOMAIN (no such name)",
            Status.NODATA: "no records of this type",
            Status.TIMEOUT: "timeout",
            Status.SERVFAIL: "SERVFAIL",
            Status.REFUSED: "REFUSED",
            Status.ERROR: "error",
            Status.OFFLINE: "not queried (offline)",
        }[self.status]
        return f"{head}: {words}" + (f" ({self.detail})" if self.detail and self.status not in DEFINITE else "")


class Resolver:
    """Queries for one run. Thread-safe; `lookup` is cached per (name, type) for the run's lifetime."""

    def __init__(self, config: DnsConfig) -> None:
        self.config = config
        self.servers: tuple[Server, ...] = config.servers or _system_servers()
        self._cache: dict[tuple[str, str], Future[Answer]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._timeouts_in_a_row = 0
        self.sent = 0  # queries sent (UDP tries and TCP retries count once each)
        self.hits = 0  # lookups answered from the cache

    # -- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> Resolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker threads (idempotent)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    @property
    def offline(self) -> bool:
        return self.config.offline

    # -- lookups ----------------------------------------------------------------------------------

    def lookup(self, name: str, rdtype: str) -> Answer:
        """The answer for `name` `rdtype`, from the cache or the servers. Never raises on DNS trouble."""
        key = (name.strip().rstrip(".").lower(), rdtype.upper())
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if future is None:
                future = self._cache[key] = Future()
            else:
                self.hits += 1
        if owner:
            try:
                future.set_result(self._resolve(*key))
            except BaseException as exc:  # a bug, not DNS trouble: hand it to every waiter, then raise
                future.set_exception(exc)
                raise
        return future.result()

    def lookup_many(self, queries: Iterable[tuple[str, str]]) -> list[Answer]:
        """Several lookups at once (bounded by `concurrency`), in the order given."""
        return self.map(lambda q: self.lookup(*q), list(dict.fromkeys(queries)))

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`fn` over `items` on the worker threads, results in order. Nested calls run inline.

        `fn` may call `lookup` (and `map`, which then runs inline): the pool never waits on itself.
        """
        if len(items) <= 1 or self.config.concurrency <= 1 or getattr(self._local, "worker", False):
            return [fn(item) for item in items]
        pool = self._executor()
        return list(pool.map(lambda item: self._as_worker(fn, item), items))

    def _as_worker(self, fn: Callable[[T], R], item: T) -> R:
        self._local.worker = True
        try:
            return fn(item)
        finally:
            self._local.worker = False

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="ndr-dns")
            return self._pool

    # -- one query --------------------------------------------------------------------------------

    def _resolve(self, name: str, rdtype: str) -> Answer:
        if self.config.offline:
            return Answer(name=name, rdtype=rdtype, status=Status.OFFLINE)
        if not self.servers:
            return Answer(name=name, rdtype=rdtype, status=Status.ERROR, detail="no resolver configured")
        try:
            qname = dns.name.from_text(name)
            qtype = dns.rdatatype.from_text(rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return Answer(name=name, rdtype=rdtype, status=Status.ERROR, detail=f"invalid name: {exc}")
        if self._timeouts_in_a_row >= GIVE_UP_AFTER:
            return Answer(name=name, rdtype=rdtype, status=Status.TIMEOUT,
                          detail=f"resolver not answering: gave up after {GIVE_UP_AFTER} timeouts in a row")
        query = dns.message.make_query(qname, qtype, use_edns=0, payload=EDNS_PAYLOAD)
        last = Answer(name=name, rdtype=rdtype, status=Status.TIMEOUT)
        tried_hard: set[Server] = set()  # servers that answered SERVFAIL/REFUSED: not retried
        for _attempt in range(self.config.retries + 1):
            for server in self.servers:
                if server in tried_hard:
                    continue
                answer = self._ask(query, name, rdtype, server)
                if answer.definite:
                    return answer
                last = answer
                if answer.status is not Status.TIMEOUT:
                    tried_hard.add(server)
            if len(tried_hard) == len(self.servers):
                break
        if last.status is Status.TIMEOUT and last.detail is None:
            tries = (self.config.retries + 1) * len(self.servers)
            last = Answer(name=name, rdtype=rdtype, status=Status.TIMEOUT,
                          detail=f"no answer from {', '.join(map(str, self.servers))} "
                                 f"after {tries} tr{'y' if tries == 1 else 'ies'} of {self.config.timeout:g}s")
        log.debug("dns %s", last.describe())
        return last

    def _ask(self, query: dns.message.Message, name: str, rdtype: str, server: Server) -> Answer:
        where = str(server)
        self.sent += 1
        try:
            response, tcp = dns.query.udp_with_fallback(
                query, server.host, timeout=self.config.timeout, port=server.port, ignore_unexpected=True
            )
        except dns.exception.Timeout:
            with self._lock:
                self._timeouts_in_a_row += 1
            return Answer(name=name, rdtype=rdtype, status=Status.TIMEOUT, server=where)
        except (OSError, dns.exception.DNSException) as exc:
            return Answer(name=name, rdtype=rdtype, status=Status.ERROR, server=where,
                          detail=f"{type(exc).__name__}: {exc}"[:200])
        with self._lock:
            self._timeouts_in_a_row = 0
        return _answer_of(response, name, rdtype, where, tcp)


def _answer_of(response: dns.message.Message, name: str, rdtype: str, server: str, tcp: bool) -> Answer:
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return Answer(name=name, rdtype=rdtype, status=Status.NXDOMAIN, server=server, tcp=tcp)
    if rcode == dns.rcode.SERVFAIL:
        return Answer(name=name, rdtype=rdtype, status=Status.SERVFAIL, server=server, tcp=tcp,
                      detail=f"{server} answered SERVFAIL")
    if rcode == dns.rcode.REFUSED:
        return Answer(name=name, rdtype=rdtype, status=Status.REFUSED, server=server, tcp=tcp,
                      detail=f"{server} refused the query")
    if rcode != dns.rcode.NOERROR:
        return Answer(name=name, rdtype=rdtype, status=Status.ERROR, server=server, tcp=tcp,
                      detail=f"{server} answered {dns.rcode.to_text(rcode)}")
    try:
        rrset = response.resolve_chaining().answer  # type: ignore[attr-defined]
    except dns.exception.DNSException as exc:
        return Answer(name=name, rdtype=rdtype, status=Status.ERROR, server=server, tcp=tcp,
                      detail=f"unusable answer: {exc}"[:200])
    if rrset is None:
        return Answer(name=name, rdtype=rdtype, status=Status.NODATA, server=server, tcp=tcp)
    records = tuple(sorted({_text(rdata) for rdata in rrset}))
    return Answer(name=name, rdtype=rdtype, status=Status.OK, records=records, server=server, tcp=tcp)


def _text(rdata: Any) -> str:
    """The text form of one record, as the checks use it."""
    kind = rdata.rdtype
    if kind in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)
    if kind in (dns.rdatatype.PTR, dns.rdatatype.CNAME, dns.rdatatype.NS):
        return str(rdata.target.to_text(omit_final_dot=True)).lower()
    if kind == dns.rdatatype.MX:
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True).lower()}"
    if kind == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", "replace")[:TXT_MAX]
    return str(rdata.to_text())


def _system_servers() -> tuple[Server, ...]:
    """The system's resolvers (/etc/resolv.conf), port 53."""
    try:
        system = dns.resolver.Resolver(configure=True)
    except (dns.exception.DNSException, OSError):
        return ()
    return tuple(Server(host=str(ns), port=int(system.port)) for ns in system.nameservers)
