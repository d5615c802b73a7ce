"""Time analyze() + JSON on the hostile inputs of tests/test_robustness.py (best of 3), next to a small bounce.

Usage: .venv/bin/python bench/robustness.py
The tests assert the limits and bounded work; this prints the times (they depend on the machine).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer import analyze
from analyzer.serialize import to_json
from tests.hostile import (
    big_message,
    bounce,
    long_diagnostic,
    many_parts,
    many_received,
    nested_rfc822,
)

CASES: list[tuple[str, Callable[[], bytes]]] = [
    ("small bounce (reference)", bounce),
    ("20 MB message", big_message),
    ("5 MB single-line diagnostic", long_diagnostic),
    ("10,000 Received headers", many_received),
    ("100-deep nested message/rfc822", nested_rfc822),
    ("2,000-deep nested message/rfc822", lambda: nested_rfc822(2000)),
    ("10,000 MIME parts", many_parts),
]


def main() -> int:
    for name, build in CASES:
        data = build()
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            analysis = analyze(data)
            out = to_json(analysis)
            best = min(best, time.perf_counter() - start)
        defects = "; ".join(analysis.defects)[:110] or "-"
        print(f"{name:34s} {len(data) / 1e6:7.2f} MB {best * 1e3:8.1f} ms  json {len(out):6d} B  {defects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
