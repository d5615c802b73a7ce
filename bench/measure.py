"""Measuring helpers of bench/bench.py: in-process rates (best of N) and whole processes (wall, CPU, peak RSS).

A child's peak RSS comes from os.wait4 on that child: Linux reports the largest resident set of the
child and of every descendant it waited for (the analysis workers of `ndr scan --jobs N`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One finished child process."""

    wall: float  # seconds
    cpu: float  # user + system seconds, the child's and its waited-for descendants'
    rss_mib: float  # peak resident set of the child or of its largest descendant, MiB
    code: int  # exit status
    stderr: str  # its last lines, for error messages


def rate(fn: Callable[[bytes], object], items: Sequence[bytes], repeat: int) -> float:
    """Messages per second of fn over items: best of `repeat` rounds (the least disturbed one)."""
    best = float("inf")
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        for data in items:
            fn(data)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best if best > 0 else float("inf")


def ndr_argv(*args: str) -> list[str]:
    """The `ndr` console script next to this interpreter (what users run), else `python -c` of its entry point."""
    script = Path(sys.executable).with_name("ndr")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "import sys; from ndr.cli import main; sys.exit(main())", *args]


def run(argv: Sequence[str], *, stdout: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run a command to its end; its standard output goes to `stdout` (default: discarded)."""
    with open(stdout or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-3000:].decode("utf-8", "replace")
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mib=usage.ru_maxrss / 1024,
               code=proc.returncode, stderr=tail)


def best_run(argv: Sequence[str], repeat: int, *, stdout: Path | None = None) -> Run:
    """The fastest of `repeat` runs of a command (for start-up times)."""
    runs = [run(argv, stdout=stdout) for _ in range(max(repeat, 1))]
    return min(runs, key=lambda r: r.wall)
