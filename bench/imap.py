"""IMAP throughput: messages/s fetched from a real Dovecot, alone and through the scan into a fresh store.

    python bench/imap.py [--messages 2000] [--batches 1,10,25,50,100,200,500] [--rtt-ms 0,20] [--repeat 3]

Starts a private Dovecot (tests/dovecot.py; needs dovecot-imapd), loads the shared generator's
messages (tests/mailgen.py, CRLF) over IMAPS, then for each round-trip time (0 = plain loopback;
otherwise a relay that delays every chunk by rtt/2 each way, without limiting bandwidth):
- fetch alone: the connector's fetch() for each batch size, best of --repeat;
- scan: the scan loop (fetch, analyse, store with the cursor) into a fresh SQLite store, default batch size.
Figures are from one run on this machine; compare them with each other, not across machines.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import queue
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.base import RawMessage
from connectors.imap import open_source, parse_config
from connectors.imap_config import DEFAULT_BATCH
from ndr.config import parse
from ndr.scan import Scanner, ScanOptions
from ndr.store import Store
from tests import mailgen
from tests.dovecot import make_dovecot

LOG = logging.getLogger("ndr.bench.imap")
PW_ENV = "NDR_BENCH_IMAP_PASSWORD"


class DelayRelay:
    """A TCP relay on 127.0.0.1 that delivers every chunk `delay` seconds after it arrived (each way)."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.delay, self.target = delay, ("127.0.0.1", target_port)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for a, b in ((client, server), (server, client)):
                q: queue.Queue[tuple[float, bytes]] = queue.Queue()
                threading.Thread(target=self._read, args=(a, q), daemon=True).start()
                threading.Thread(target=self._write, args=(b, q), daemon=True).start()

    def _read(self, src: socket.socket, q: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            q.put((time.monotonic() + self.delay, data))
            if not data:
                return

    def _write(self, dst: socket.socket, q: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            due, data = q.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.closing = True
        self.sock.close()


def source_table(port: int, cafile: Path, user: str, batch: int) -> dict[str, object]:
    return {"name": "bench", "type": "imap", "host": "localhost", "port": port, "ca_file": str(cafile),
            "username": user, "password_env": PW_ENV, "folders": ["Bounces"], "batch_size": batch}


def fetch_rate(table: dict[str, object], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        con = open_source(parse_config(table, "sources[0]"), log=LOG)
        t0 = time.perf_counter()
        got = sum(1 for item in con.fetch(None) if isinstance(item, RawMessage))
        best = min(best, time.perf_counter() - t0)
        con.close()
        assert got == n, (got, n)
    return n / best


def scan_rate(table: dict[str, object], n: int, tmp: Path) -> float:
    store_path = tmp / f"store-{time.monotonic_ns()}.sqlite3"
    config = parse({"store": {"path": str(store_path)}, "sources": [table]})
    with Store.open(store_path) as store:
        scanner = Scanner(store, ScanOptions(), log=LOG)
        t0 = time.perf_counter()
        result = scanner.run(list(config.sources))
        seconds = time.perf_counter() - t0
    assert result.sources[0].new == n, result
    return n / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--batches", default="1,10,25,50,100,200,500")
    ap.add_argument("--rtt-ms", default="0,20")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dv = make_dovecot()
    dv.start()
    try:
        user = dv.new_user()
        os.environ[PW_ENV] = dv.users[user]
        raw = [mailgen.message(i).replace(b"\n", b"\r\n") for i in range(args.messages)]
        dv.append(user, "Bounces", raw)
        size = sum(map(len, raw))
        print(f"imap: {args.messages} messages, {size / 1e6:.1f} MB (mean {size // len(raw)} B) in Dovecot "
              f"{dv.dir.name}, IMAPS, batch size = messages per UID FETCH")
        with tempfile.TemporaryDirectory() as tmp:
            for rtt in (float(r) for r in args.rtt_ms.split(",")):
                relay = DelayRelay(dv.sport, rtt / 2000) if rtt else None
                port = relay.port if relay else dv.sport
                label = f"rtt {rtt:.0f} ms"
                for batch in (int(b) for b in args.batches.split(",")):
                    reps = 1 if rtt and batch < 10 else args.repeat
                    r = fetch_rate(source_table(port, dv.cafile, user, batch), args.messages, reps)
                    print(f"  {label:10s} fetch alone   batch {batch:4d}  {r:8.0f} msg/s")
                r = scan_rate(source_table(port, dv.cafile, user, DEFAULT_BATCH), args.messages, Path(tmp))
                print(f"  {label:10s} ndr scan      batch {DEFAULT_BATCH:4d}  {r:8.0f} msg/s  (fetch, analyse, store)")
                if relay:
                    relay.close()
    finally:
        dv.stop()
        shutil.rmtree(dv.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
