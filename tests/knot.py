"""A real authoritative DNS server (Knot DNS) on loopback, serving the test zones in tests/dns/.

`KnotServer.start(tmp)` writes a knotd configuration into a temporary directory, starts knotd in the
foreground on 127.0.0.1 at a free port (UDP and TCP), waits until it answers, and `stop()` ends it.
The EDNS UDP payload is limited to 1220 bytes (knot's minimum) so that large answers come back
truncated and must be retried over TCP. Zones named in BROKEN_ZONES are deliberately unloadable: knotd answers SERVFAIL.

Also here: `silent_udp_server()` (reads queries, never answers: a resolver that times out) and
`servfail_server()` (answers SERVFAIL to everything), both plain sockets on loopback, and the
module-scoped pytest fixture `knot` (import it into a test module to use it).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from tests.conftest import require_binary

ZONE_DIR = Path(__file__).parent / "dns"
BROKEN_ZONES = ("broken.example.org",)  # zone files with a syntax error on purpose
START_TIMEOUT_S = 20.0


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


def zone_names() -> list[str]:
    return sorted(p.name.removesuffix(".zone") for p in ZONE_DIR.glob("*.zone"))


def _config(tmp: Path, port: int) -> str:
    zones = "\n".join(f"  - domain: {name}\n    file: {ZONE_DIR / (name + '.zone')}" for name in zone_names())
    return f"""\
server:
    rundir: "{tmp}"
    pidfile: "{tmp}/knot.pid"
    listen: 127.0.0.1@{port}
    udp-max-payload: 1220
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

database:
    storage: "{tmp}/db"

control:
    listen: "{tmp}/knot.sock"

log:
  - target: "{tmp}/knot.log"
    any: info

template:
  - id: default
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
{zones}
"""


@dataclass(slots=True)
class KnotServer:
    """A running knotd. `address` is what `--resolver` takes: '127.0.0.1:PORT'."""

    binary: str
    tmp: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> KnotServer:
        """Start knotd; when another process took the chosen port first, try another one."""
        (self.tmp / "db").mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            if self._start_once():
                return self
            if "bind" not in self.log():
                break
        raise RuntimeError(f"knotd did not start: {self.log()}")

    def _start_once(self) -> bool:
        self.port = free_port()
        conf = self.tmp / "knot.conf"
        conf.write_text(_config(self.tmp, self.port))
        (self.tmp / "knot.log").unlink(missing_ok=True)
        with (self.tmp / "stderr").open("wb") as err:
            self.process = subprocess.Popen([self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            if self._answers():
                return True
            if "cannot bind" in self.log():
                break
            time.sleep(0.05)
        self.stop()
        return False

    def _answers(self) -> bool:
        query = dns.message.make_query("example.com.", "SOA")
        try:
            response = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.2)
        except (dns.exception.Timeout, OSError):
            return False
        return response.rcode() == dns.rcode.NOERROR and bool(response.answer)

    def log(self) -> str:
        files = (self.tmp / "knot.log", self.tmp / "stderr")
        parts = [p.read_text(errors="replace")[-4000:] for p in files if p.exists()]
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def _udp_server(answer: Callable[[bytes], bytes | None]) -> Iterator[str]:
    """A UDP socket on loopback whose thread sends `answer(query)` back (nothing when None) until the
    context ends. Yields '127.0.0.1:PORT'."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            reply = answer(data)
            if reply is not None:
                with contextlib.suppress(OSError):
                    sock.sendto(reply, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


def silent_udp_server() -> contextlib.AbstractContextManager[str]:
    """A UDP socket on loopback that reads queries and never replies. Yields '127.0.0.1:PORT'."""
    return _udp_server(lambda _query: None)


def _servfail(data: bytes) -> bytes | None:
    try:
        query = dns.message.from_wire(data)
    except dns.exception.DNSException:
        return None
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.SERVFAIL)
    response.flags |= dns.flags.RA
    return response.to_wire()


def servfail_server() -> contextlib.AbstractContextManager[str]:
    """A UDP responder on loopback answering SERVFAIL to every query. Yields '127.0.0.1:PORT'."""
    return _udp_server(_servfail)


@pytest.fixture(scope="module")
def knot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnotServer]:
    """A knotd serving tests/dns/ on 127.0.0.1 for the test module; fails in CI when knot is missing."""
    binary = require_binary("knotd", "knot")
    server = KnotServer(binary=binary, tmp=tmp_path_factory.mktemp("knot")).start()
    try:
        yield server
    finally:
        server.stop()
