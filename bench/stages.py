"""Stage timers of analyze() + JSON: microseconds per message in each stage, on the corpus and on demo mail.

    python bench/stages.py                          # corpus + 3,000 demo messages, best of 5 rounds
    python bench/stages.py --demo 0 --repeat 9      # the corpus only
    python bench/stages.py --detectors              # also each detector's own time (under detect)
    python bench/stages.py --tree /tmp/ndr-base     # the analyzer of another tree (e.g. `git archive HEAD`)

A compiled analyzer (mypyc, `make native`) is timed as pure Python from a copy of its sources: compiled
modules call each other directly, so the stage timers could not see them. `make bench` times both.

Each stage is a function the pipeline calls through a module attribute (analyzer.analyze.parse,
analyzer.mime._collect, analyzer.headers.facts.received_chain, ...; the table STAGES): it is wrapped by a
timer for the run, nothing in analyzer/ changes. A stage is reported under the stage that called it
(the headers of the returned original under `original`), with its calls per message; `(rest)` is the
part of a stage's time no sub-stage accounts for, and the top-level `(rest)` what analyze() spends
outside every stage (assembling records, dates, prefixes). A recursive stage (the MIME walk) is timed
at its outermost call. The round with the smallest total is shown (the least disturbed one); the timers
cost some time themselves, so the plain figures (no timers, best of the same rounds) are printed too.
Absolute numbers depend on the machine and its load (printed first): compare stages within one run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import wraps
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"
GENERATOR_END = date(2025, 3, 31)

# (stage label, module, attribute): the function the pipeline looks up as module.attribute. A label
# used twice adds both functions' times into one stage. Nesting is found at run time (the call stack).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("parse", "analyzer.analyze", "parse"),
    ("MIME tree (fastmime, else stdlib)", "analyzer.mime", "_message"),
    ("walk (_collect: parts, decoding)", "analyzer.mime", "_collect"),
    ("embedded report", "analyzer.mime", "_embedded_report"),
    ("multipart repair", "analyzer.mime", "_repair_multipart"),
    ("detect", "analyzer.analyze", "_detect"),
    ("dsn fields", "analyzer.mime", "parse_dsn"),
    ("html to text", "analyzer.mime", "html_to_text"),
    ("headers (this message)", "analyzer.analyze", "read_headers"),
    ("headers", "analyzer.headers.original", "read_headers"),
    ("received", "analyzer.headers.facts", "received_chain"),
    ("auth", "analyzer.headers.facts", "auth_chain"),
    ("antispam", "analyzer.headers.facts", "antispam_of"),
    ("original", "analyzer.analyze", "original_of"),
    ("pasted headers", "analyzer.analyze", "pasted_headers"),
    ("header block parse", "analyzer.headers.original", "headers_from_text"),
    ("dkim", "analyzer.headers.original", "dkim_signatures"),
    ("recipients", "analyzer.analyze", "_recipient"),
    ("classify", "analyzer.analyze", "classify"),
    ("sending ip", "analyzer.analyze", "recipient_sending_ip"),
    ("smtp (diagnostic, codes, command)", "analyzer.analyze", "clean_diagnostic"),
    ("smtp (diagnostic, codes, command)", "analyzer.analyze", "find_replycode"),
    ("smtp (diagnostic, codes, command)", "analyzer.analyze", "find_status"),
    ("smtp (diagnostic, codes, command)", "analyzer.analyze", "find_command"),
    ("smtp (diagnostic, codes, command)", "analyzer.analyze", "prefer_status"),
    ("sending ip (not_bounce)", "analyzer.analyze", "received_sending_ip"),
    ("JSON", "analyzer.serialize", "to_json"),
    ("to_dict", "analyzer.serialize", "to_dict"),
)
Path_ = tuple[str, ...]


class Timers:
    """Time per stage path, for one round; a stack of the stages running."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.time: dict[Path_, float] = defaultdict(float)
        self.calls: dict[Path_, int] = defaultdict(int)

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        stack, spent, calls, clock = self.stack, self.time, self.calls, time.perf_counter

        @wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if label in stack:  # a recursive call: timed by its outermost call
                return fn(*args, **kwargs)
            stack.append(label)
            t0 = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                path = tuple(stack)
                spent[path] += clock() - t0
                calls[path] += 1
                stack.pop()

        return timed

    def reset(self) -> None:
        self.time.clear()
        self.calls.clear()


def instrument(timers: Timers, detectors: bool) -> Callable[[], None]:
    """Wrap every stage (and each detector when asked); returns the function that unwraps them."""
    undo: list[Callable[[], None]] = []
    for label, module_name, attr in STAGES:
        module = importlib.import_module(module_name)
        if not hasattr(module, attr):
            print(f"  (stage {label!r}: {module_name}.{attr} not found, not timed)")
            continue
        original = getattr(module, attr)
        setattr(module, attr, timers.wrap(label, original))
        undo.append(_restorer(module, attr, original))
    if detectors:
        analyze_module = importlib.import_module("analyzer.analyze")
        run = getattr(analyze_module, "_run", None)
        if run is not None:
            wrapped = {id(d): timers.wrap(f"detector {d.name}", run) for d in analyze_module.DETECTORS}

            def by_detector(detector: Any, *args: Any) -> Any:
                return wrapped[id(detector)](detector, *args)

            setattr(analyze_module, "_run", by_detector)  # noqa: B010 - a module attribute, patched for the run
            undo.append(_restorer(analyze_module, "_run", run))

    def unwrap() -> None:
        for restore in reversed(undo):
            restore()

    return unwrap


def _restorer(module: Any, attr: str, value: Any) -> Callable[[], None]:
    return lambda: setattr(module, attr, value)


def plain_rates(items: list[bytes], repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` seconds per message of analyze() and analyze() + to_json, without timers."""
    from analyzer import analyze  # noqa: PLC0415 - after sys.path names the tree under test
    from analyzer.serialize import to_json  # noqa: PLC0415

    best_a = best_j = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for data in items:
            analyze(data)
        t1 = time.perf_counter()
        for data in items:
            to_json(analyze(data))
        t2 = time.perf_counter()
        best_a, best_j = min(best_a, t1 - t0), min(best_j, t2 - t1)
    return best_a / len(items), best_j / len(items)


def timed_round(items: list[bytes], timers: Timers) -> float:
    """One instrumented round of analyze() + JSON; its total seconds."""
    import analyzer.serialize  # noqa: PLC0415 - after sys.path names the tree under test
    from analyzer import analyze  # noqa: PLC0415

    to_json = analyzer.serialize.to_json  # the timed one (stage "JSON")
    clock = time.perf_counter
    timers.reset()
    t0 = clock()
    for data in items:
        to_json(analyze(data))
    return clock() - t0


def report(label: str, items: list[bytes], repeat: int, detectors: bool) -> None:
    import analyzer.serialize  # noqa: PLC0415

    for data in items[:50]:  # warm up: lazy regexes compile, caches fill
        analyzer.serialize.to_json(analyzer.analyze(data))
    plain, plain_json = plain_rates(items, repeat)
    timers = Timers()
    undo = instrument(timers, detectors)
    try:
        best: tuple[float, dict[Path_, float], dict[Path_, int]] | None = None
        for _ in range(repeat):
            total = timed_round(items, timers)
            if best is None or total < best[0]:
                best = (total, dict(timers.time), dict(timers.calls))
    finally:
        undo()
    assert best is not None
    total, spent, calls = best
    n = len(items)
    print(f"\n{label}: {n} messages, best of {repeat} rounds")
    print(f"  without timers: analyze() {plain * 1e6:7.1f} us/msg ({1 / plain:7,.0f} msg/s), "
          f"analyze() + JSON {plain_json * 1e6:7.1f} us/msg ({1 / plain_json:7,.0f} msg/s)")
    print(f"  with timers:    analyze() + JSON {total / n * 1e6:7.1f} us/msg (timers' own cost included)\n")
    print(f"  {'stage':48s} {'us/msg':>8s} {'share':>6s} {'calls/msg':>9s}")
    _print_tree((), spent, calls, total, total=total, n=n)
    print(f"  {'total':48s} {total / n * 1e6:8.1f}")


def _print_tree(parent: Path_, spent: dict[Path_, float], calls: dict[Path_, int], parent_time: float, *,
                total: float, n: int) -> None:
    """The sub-stages of `parent` (slowest first), then its (rest); shares of the whole total."""
    children = sorted((p for p in spent if len(p) == len(parent) + 1 and p[: len(parent)] == parent),
                      key=lambda p: -spent[p])
    if not children:
        return
    indent = "  " * len(parent)
    for path in children:
        print(f"  {(indent + path[-1])[:48]:48s} {spent[path] / n * 1e6:8.1f} {spent[path] / total:6.1%} "
              f"{calls[path] / n:9.2f}")
        _print_tree(path, spent, calls, spent[path], total=total, n=n)
    rest = parent_time - sum(spent[p] for p in children)
    if rest > 0:
        print(f"  {(indent + '(rest)')[:48]:48s} {rest / n * 1e6:8.1f} {rest / total:6.1%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"corpus maildir (default {CORPUS})")
    ap.add_argument("--demo", type=int, default=3000, help="demo generator messages (default 3000; 0: none)")
    ap.add_argument("--repeat", type=int, default=5, help="best of N rounds (default 5)")
    ap.add_argument("--detectors", action="store_true", help="time each detector on its own (under detect)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the repository whose analyzer/ is timed (default: this)")
    args = ap.parse_args()
    tree = args.tree
    if any((tree / "analyzer").rglob("*" + EXTENSION_SUFFIXES[0])):
        # compiled code calls its stages directly, past the module attributes the timers wrap: time the
        # same source as pure Python (a copy without the compiled modules)
        tree = Path(tempfile.mkdtemp(prefix="ndr-stages-"))
        shutil.copytree(args.tree / "analyzer", tree / "analyzer", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        print(f"{args.tree / 'analyzer'} is compiled (mypyc): its stages are timed as pure Python, from {tree}")
    sys.path.insert(0, str(tree))
    if tree.resolve() != ROOT:
        sys.path.insert(1, str(ROOT))  # the demo generator from this tree
    import analyzer  # noqa: PLC0415

    print(f"analyzer from {Path(analyzer.__file__ or '').parent}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {sys.version.split()[0]}")
    inputs = {f"corpus ({args.corpus.name})": [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]}
    if args.demo:
        from ndr.demo.generate import generate  # noqa: PLC0415

        inputs[f"demo ({args.demo})"] = [data for data, _ in generate(args.demo, end=GENERATOR_END)]
    for label, items in inputs.items():
        if items:
            report(label, items, args.repeat, args.detectors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
