"""ndr benchmarks: figures side by side from one run, as ratios against baselines of the same run.

    python bench/bench.py [--corpus DIR] [--repeat N]

Inputs: ../shared/corpus/sisimai (real, varied). The floor is Python's bare MIME parse of the same
bytes (email.message_from_bytes, policy compat32).
"""

from __future__ import annotations

import argparse
import email
import time
from pathlib import Path

from analyzer import analyze
from analyzer.serialize import to_json

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"


def rate(fn: object, items: list[bytes], repeat: int) -> float:
    """Messages per second of fn over items, best of `repeat` rounds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for data in items:
            fn(data)  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    items = [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]
    print(f"corpus: {len(items)} messages, {sum(map(len, items)) / 1e6:.1f} MB from {args.corpus}")
    floor = rate(email.message_from_bytes, items, args.repeat)
    ours = rate(analyze, items, args.repeat)
    with_json = rate(lambda d: to_json(analyze(d)), items, args.repeat)
    print(f"  floor  email.message_from_bytes (compat32)  {floor:8.0f} msg/s")
    print(f"  ndr    analyze()                            {ours:8.0f} msg/s  ratio {ours / floor:.2f}")
    print(f"  ndr    analyze() + JSON                     {with_json:8.0f} msg/s  ratio {with_json / floor:.2f}")


if __name__ == "__main__":
    main()
