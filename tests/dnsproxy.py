"""A counting DNS forwarder on loopback: every query that reaches it is recorded as (name, type), then
relayed to an upstream server (the knotd of tests/knot.py) and the answer sent back unchanged. With
no upstream it answers nothing (a dead resolver that still counts what it was asked).

What ndr sends is counted on the wire, outside ndr's own counters: "each IP queried once per run"
and "no lookup without --dns" are checked against this list. UDP only: the answers the report tests
ask for fit in one datagram (truncated answers are tested against knotd directly in test_check_dns).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.exception
import dns.message
import dns.rdatatype

UPSTREAM_TIMEOUT_S = 2.0


@dataclass(slots=True)
class CountingProxy:
    """The forwarder's address (what `[dns] resolvers` takes) and the queries it received."""

    address: str
    queries: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.queries)

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter(self.seen())

    def clear(self) -> None:
        with self.lock:
            self.queries.clear()


def _key(data: bytes) -> tuple[str, str] | None:
    try:
        query = dns.message.from_wire(data)
    except dns.exception.DNSException:
        return None
    if not query.question:
        return None
    q = query.question[0]
    return q.name.to_text(omit_final_dot=True).lower(), dns.rdatatype.to_text(q.rdtype)


@contextlib.contextmanager
def counting_proxy(upstream: str | None) -> Iterator[CountingProxy]:
    """Yield a CountingProxy relaying to `upstream` ('127.0.0.1:PORT'), or answering nothing when None."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    proxy = CountingProxy(address=f"127.0.0.1:{sock.getsockname()[1]}")
    stop = threading.Event()
    target = None
    if upstream is not None:
        host, _, port = upstream.rpartition(":")
        target = (host, int(port))

    def serve() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(UPSTREAM_TIMEOUT_S)
            while not stop.is_set():
                try:
                    data, peer = sock.recvfrom(4096)
                except (TimeoutError, OSError):
                    continue
                key = _key(data)
                if key is not None:
                    with proxy.lock:
                        proxy.queries.append(key)
                if target is None:
                    continue
                with contextlib.suppress(TimeoutError, OSError):
                    up.sendto(data, target)
                    answer, _ = up.recvfrom(65535)
                    sock.sendto(answer, peer)

    thread = threading.Thread(target=serve, daemon=True, name="dns-proxy")
    thread.start()
    try:
        yield proxy
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
