"""The MIME parse alone: analyzer.fastmime against the stdlib's compat32 parser, and its fast-path coverage.

    python bench/parse_bench.py                  # corpus + 3,000 demo messages, best of 5 rounds
    python bench/parse_bench.py --demo 0 --repeat 9

Figures per input (messages/s, best of --repeat rounds, and the ratio to the floor of the same run):
- floor: email.message_from_bytes (policy compat32), the parse the issue measures against;
- the stdlib with IndexedMessage (what analyzer.mime used before fastmime);
- fastmime alone (declined messages counted as declined, not parsed);
- the parse the analyzer uses: fastmime, else the stdlib (analyzer.mime._message);
- the whole parse stage, analyzer.mime.parse (cut, parse, repairs, the walk collecting text parts);
- coverage: the share of messages fastmime parses itself (the rest fall back to the stdlib).
Absolute numbers depend on the machine and its load (printed first): compare the ratios.
"""

from __future__ import annotations

import argparse
import email
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for analyzer

from measure import rate  # bench/ is on sys.path: run as a script

from analyzer import fastmime, mime
from analyzer.indexed import IndexedMessage

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"


def figures(items: list[bytes], repeat: int) -> list[tuple[str, float]]:
    fns: list[tuple[str, Callable[[bytes], object]]] = [
        ("floor: email.message_from_bytes (compat32)", email.message_from_bytes),
        ("stdlib with IndexedMessage", lambda d: email.message_from_bytes(d, _class=IndexedMessage)),
        ("fastmime.message_from_bytes", fastmime.message_from_bytes),
        ("fastmime, else the stdlib (mime._message)", lambda d: mime._message(d, [])),
        ("parse stage: mime.parse", mime.parse),
    ]
    return [(name, rate(fn, items, repeat)) for name, fn in fns]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"corpus maildir (default {CORPUS})")
    ap.add_argument("--demo", type=int, default=3000, help="demo generator messages (default 3000; 0: none)")
    ap.add_argument("--repeat", type=int, default=5, help="best of N rounds (default 5)")
    args = ap.parse_args()
    inputs = {f"corpus ({args.corpus.name})": [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]}
    if args.demo:
        from ndr.demo.generate import generate  # noqa: PLC0415

        inputs[f"demo ({args.demo})"] = [data for data, _ in generate(args.demo, end=date(2025, 3, 31))]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, items in inputs.items():
        if not items:
            print(f"\n{label}: no messages")
            continue
        taken = sum(fastmime.message_from_bytes(d) is not None for d in items)
        print(f"\n{label}: {len(items)} messages, fast path {taken} ({taken / len(items):.1%})")
        rows = figures(items, args.repeat)
        floor = rows[0][1]
        for name, value in rows:
            print(f"  {name:45s} {value:9,.0f} msg/s  {value / floor:5.2f}x floor  {1e6 / value:7.1f} us/msg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
