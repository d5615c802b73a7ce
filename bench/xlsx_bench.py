"""The XLSX writer alone: seconds and memory to write report.xlsx for a report of many failures.

    python bench/xlsx_bench.py [--rows 100000] [--store FILE --from 2025-03-02 --to 2025-03-31]

Builds the report once (synthetic failure rows in the store contract's shape, or a real store such
as `ndr scan` of `python -m ndr.demo.generate --messages 100000 --end 2025-03-31`), pickles it, then
writes the XLSX in a fresh process that only loads the report: wall time of write_xlsx, the
process's peak RSS (getrusage) and how much the write added to it (VmHWM reset before the write).
"""

from __future__ import annotations

import argparse
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports.build import build_report, report_from_store  # noqa: E402
from reports.model import Period, ReportOptions  # noqa: E402
from reports.networks import NetworkTable  # noqa: E402

REASONS = ("requireptr", "blocked", "spamdetected", "userunknown", "mailboxfull", "policy", "speeding", "expired")
DOMAINS = ("gmail.com", "outlook.com", "example.net", "example.org", "hotmail.com")
IPS = ("2a01:111:f403:2612::700", "2001:db8:1::25", "203.0.113.25", "198.51.100.7", "192.0.2.44", None)
SUBJECTS = ("Your invoice", '=HYPERLINK("http://example.com")', "Weekly news", "+1 offer", "-minus", "@team")


def synthetic(n: int, first: date) -> Iterator[dict[str, object]]:
    """n failure rows over 28 days from `first`: varied reasons, prefixes, unique diagnostics, risky subjects."""
    rnd = random.Random(7)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    for i in range(n):
        at = start + timedelta(seconds=rnd.randrange(28 * 86400))
        reason, domain = rnd.choice(REASONS), rnd.choice(DOMAINS)
        delayed = reason == "speeding"
        yield {
            "message_id": i, "source": "bounces", "ref": f"ref-{i}", "date": at.isoformat(timespec="seconds"),
            "kind": "delay" if delayed else "bounce", "reporter": "rfc3464", "recipient": f"user{i}@{domain}",
            "domain": domain, "action": "delayed" if delayed else "failed", "status": "4.7.28" if delayed else "5.7.1",
            "replycode": "550", "reason": reason, "hard": reason == "userunknown", "sending_ip": rnd.choice(IPS),
            "sending_prefix": None, "blocklist": "zen.spamhaus.org" if reason == "blocked" else None,
            "provider": "google", "remote_mta": f"mx{i % 7}.{domain}",
            "diagnostic": f"550 5.7.1 [192.0.2.{i % 250}] refused, session {i:08x} at {at:%H:%M:%S}",
            "rule": "bench", "original_message_id": f"<{i}.{i * 7}@example.com>",
            "original_subject": rnd.choice(SUBJECTS), "original_from": "News <news@example.com>",
            "envelope_sender": "bounce@example.com", "envelope_source": "return-path",
        }


def _hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_once(pickled: Path, out: Path) -> None:
    """In this (fresh) process: load the report, write the XLSX, print the figures."""
    from reports.xlsx import write_xlsx  # noqa: PLC0415 - imported where it is timed

    with pickled.open("rb") as f:
        report = pickle.load(f)  # noqa: S301 - our own file
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # VmHWM from here: the write alone
    before = _hwm_mib()
    t0 = time.perf_counter()
    (path,) = write_xlsx(report, out)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(report.failures):,} failures: XLSX written in {wall:.2f} s; peak RSS {peak:.0f} MiB "
          f"(+{_hwm_mib() - before:.0f} MiB during the write); {path.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic failure rows (without --store)")
    parser.add_argument("--store", type=Path, help="build the report from this ndr store instead")
    parser.add_argument("--from", dest="first", type=date.fromisoformat, default=date(2025, 3, 2))
    parser.add_argument("--to", dest="last", type=date.fromisoformat, default=date(2025, 3, 29))
    parser.add_argument("--repeat", type=int, default=2, help="writes timed (each in a fresh process)")
    parser.add_argument("--write-once", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_once:
        with tempfile.TemporaryDirectory() as out:
            write_once(args.write_once, Path(out))
        return
    period = Period.days(args.first, args.last)
    options, networks, now = ReportOptions(), NetworkTable(), datetime.now(UTC)
    if args.store:
        from ndr.store import Store  # noqa: PLC0415

        with Store.open(args.store, readonly=True) as store:
            report = report_from_store(store, period=period, options=options, networks=networks, generated_at=now)
    else:
        report = build_report(synthetic(args.rows, args.first), period=period, options=options, networks=networks,
                              generated_at=now)
    with tempfile.TemporaryDirectory() as tmp:
        pickled = Path(tmp) / "report.pickle"
        pickled.write_bytes(pickle.dumps(report))
        for _ in range(max(args.repeat, 1)):
            subprocess.run([sys.executable, __file__, "--write-once", str(pickled)], check=True)


if __name__ == "__main__":
    main()
