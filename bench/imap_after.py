"""Cost of the IMAP after-actions (and their durable records in the store) on `ndr scan`.

    python bench/imap_after.py [--messages 2000] [--repeat 5] [--after none,seen,move:Processed]

Starts a private Dovecot (tests/dovecot.py; needs dovecot-imapd). For each after-action and each
repeat: a fresh user whose Bounces folder holds the shared generator's messages (tests/mailgen.py,
CRLF), one scan (fetch, analyse, store, after-actions) into a fresh store, once with the durable
after-actions (table pending_after, the default) and once without (the scan treats the connector
as a plain Connector: the behaviour before schema 4), alternating; prints median and best msg/s.
Then the store alone (no network, no analysis): the same messages, prepared beforehand, recorded
in transactions of 100 (the scan's default) with and without their pending_after rows (inserted
with the batch, deleted with the next one, as the scan does). Loading the mail is not timed.
Figures are from one run on this machine; compare them with each other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imap import scan_rate  # bench/ is on sys.path: run as a script

from analyzer import DEFAULT_OPTIONS
from connectors.base import DurableAfter
from connectors.imap_config import DEFAULT_BATCH
from ndr import scan as scan_module
from ndr.store import New, Store, prepare
from tests import mailgen
from tests.dovecot import Dovecot, make_dovecot

PW_ENV = "NDR_BENCH_IMAP_PASSWORD"


class NotDurable:
    """Matches no connector: the scan neither records nor replays after-actions (as before schema 4)."""


def one_scan(dv: Dovecot, raw: list[bytes], after: str, tmp: Path, *, durable: bool) -> float:
    setattr(scan_module, "DurableAfter", DurableAfter if durable else NotDurable)  # noqa: B010 - not exported
    user = dv.new_user()
    os.environ[PW_ENV] = dv.users[user]
    dv.append(user, "Bounces", raw)
    if after.startswith("move:"):
        with dv.client(user) as c:
            c.create_folder(after.split(":", 1)[1])
    table: dict[str, object] = {"name": "bench", "type": "imap", "host": "localhost", "port": dv.sport,
                                "ca_file": str(dv.cafile), "username": user, "password_env": PW_ENV,
                                "folders": ["Bounces"], "batch_size": DEFAULT_BATCH, "after": after}
    rate = scan_rate(table, len(raw), tmp)
    if after == "seen":
        assert all(b"\\Seen" in f for f in dv.flags(user, "Bounces").values())
    elif after != "none":
        assert dv.uids(user, "Bounces") == []
    return rate


def store_rate(entries: list[New], tmp: Path, *, durable: bool, batch: int = 100) -> float:
    """msg/s of Store.record alone over prepared messages; durable: with pending_after as the scan writes it."""
    with Store.open(tmp / f"store-{time.monotonic_ns()}.sqlite3") as store:
        store.ensure_source("bench", "imap")
        settled: list[str] = []
        t0 = time.perf_counter()
        for start in range(0, len(entries), batch):
            chunk = entries[start:start + batch]
            refs = [e.ref for e in chunk] if durable else []
            store.record("bench", chunk, f'{{"n": {start}}}', pending=refs, settled=settled)
            settled = refs
        store.settle_after("bench", settled)
        return len(entries) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--after", default="none,seen,move:Processed")
    args = ap.parse_args()
    dv = make_dovecot()
    dv.start()
    try:
        raw = [mailgen.message(i).replace(b"\n", b"\r\n") for i in range(args.messages)]
        print(f"imap after-actions: {args.messages} messages per scan, IMAPS on loopback, {args.repeat} runs each")
        with tempfile.TemporaryDirectory() as tmp:
            for after in args.after.split(","):
                rates: dict[bool, list[float]] = {False: [], True: []}
                for _ in range(args.repeat):
                    for durable in (False, True):
                        rates[durable].append(one_scan(dv, raw, after, Path(tmp), durable=durable))
                for durable, label in ((False, "not recorded"), (True, "pending_after")):
                    got = rates[durable]
                    print(f"  after = {after:16s} {label:14s} median {statistics.median(got):6.0f} msg/s, "
                          f"best {max(got):6.0f}  (runs: {', '.join(f'{r:.0f}' for r in got)})")
            store: dict[bool, list[float]] = {False: [], True: []}
            entries = [New(ref=f"Bounces/7/{i + 1}", prepared=prepare(data, DEFAULT_OPTIONS), folder="Bounces")
                       for i, data in enumerate(raw)]
            for _ in range(args.repeat):
                for durable in (False, True):
                    store[durable].append(store_rate(entries, Path(tmp), durable=durable))
            for durable, label in ((False, "not recorded"), (True, "pending_after")):
                got = store[durable]
                print(f"  store alone (Store.record, 100 per transaction) {label:14s} median "
                      f"{statistics.median(got):6.0f} msg/s, best {max(got):6.0f}")
    finally:
        dv.stop()
        shutil.rmtree(dv.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
