"""Cost of the IMAP after-actions (and their durable records in the store) on `ndr scan`.

    python bench/imap_after.py [--messages 2000] [--repeat 3] [--after none,seen,move:Processed]

Starts a private Dovecot (tests/dovecot.py; needs dovecot-imapd). For each after-action and each
repeat: a fresh user whose Bounces folder holds the shared generator's messages (tests/mailgen.py,
CRLF), one scan (fetch, analyse, store, after-actions) into a fresh store; prints the best msg/s.
Loading the mail is not timed. Figures are from one run on this machine; compare them with each other.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.imap_config import DEFAULT_BATCH
from ndr.config import parse
from ndr.scan import Scanner, ScanOptions
from ndr.store import Store
from tests import mailgen
from tests.dovecot import Dovecot, make_dovecot

LOG = logging.getLogger("ndr.bench.imap_after")
PW_ENV = "NDR_BENCH_IMAP_PASSWORD"


def one_scan(dv: Dovecot, raw: list[bytes], after: str, tmp: Path) -> float:
    user = dv.new_user()
    os.environ[PW_ENV] = dv.users[user]
    dv.append(user, "Bounces", raw)
    if after.startswith("move:"):
        with dv.client(user) as c:
            c.create_folder(after.split(":", 1)[1])
    table: dict[str, object] = {"name": "bench", "type": "imap", "host": "localhost", "port": dv.sport,
                                "ca_file": str(dv.cafile), "username": user, "password_env": PW_ENV,
                                "folders": ["Bounces"], "batch_size": DEFAULT_BATCH, "after": after}
    store_path = tmp / f"store-{time.monotonic_ns()}.sqlite3"
    config = parse({"store": {"path": str(store_path)}, "sources": [table]})
    with Store.open(store_path) as store:
        scanner = Scanner(store, ScanOptions(), log=LOG)
        t0 = time.perf_counter()
        result = scanner.run(list(config.sources))
        seconds = time.perf_counter() - t0
    assert result.sources[0].new == len(raw), result
    if after == "seen":
        assert all(b"\\Seen" in f for f in dv.flags(user, "Bounces").values())
    elif after != "none":
        assert dv.uids(user, "Bounces") == []
    return len(raw) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--after", default="none,seen,move:Processed")
    args = ap.parse_args()
    dv = make_dovecot()
    dv.start()
    try:
        raw = [mailgen.message(i).replace(b"\n", b"\r\n") for i in range(args.messages)]
        print(f"imap after-actions: {args.messages} messages per scan, IMAPS on loopback, best of {args.repeat}")
        with tempfile.TemporaryDirectory() as tmp:
            for after in args.after.split(","):
                rates = [one_scan(dv, raw, after, Path(tmp)) for _ in range(args.repeat)]
                print(f"  after = {after:16s} {max(rates):8.0f} msg/s  (runs: {', '.join(f'{r:.0f}' for r in rates)})")
    finally:
        dv.stop()
        shutil.rmtree(dv.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
