"""ndr benchmarks: every figure for each input side by side, from one run, as ratios to baselines of that run.

    python bench/bench.py                      # corpus + a generated 100,000-message mbox (make bench)
    python bench/bench.py --messages 20000     # a quicker run
    python bench/bench.py --messages 0         # the corpus only (in-process figures and triage)

Inputs: ../shared/corpus/sisimai (481 real, varied bounces) and a mbox made by the demo generator
(`python -m ndr.demo.generate`, fixed seed and end date; written to --dir, not committed), plus a
smaller one (--small, default 10,000) for the memory-flatness ratio.

Figures, per input:
- floor: Python's bare MIME parse of the same bytes (email.message_from_bytes, policy compat32), msg/s;
- analyze() in one process, msg/s and its ratio to the floor (also with the JSON serialisation);
  when the analyzer is compiled (mypyc, `make native`), also the same source as pure Python, timed in a
  child process from a copy without the compiled modules (with its own floor, for its ratio);
- mail-parser's full parse (the starting dependency, kept off the hot path: this is why) and
  flufl.bounce (a peer; the `bench` extra), msg/s, when installed;
- `ndr triage --json` as a whole process (corpus), its start-up on one message;
- `ndr scan` into a fresh store: wall time, msg/s, peak RSS of the process; the same with --jobs 2
  (speed-up); an immediate re-scan of the unchanged source (share of the first scan's time);
  the small mbox's scan (peak RSS ratio large/small).
In-process figures on the generated mbox use its first --sample messages (best of --repeat rounds).
Absolute numbers depend on the machine and its load (printed first): compare the ratios.
"""

from __future__ import annotations

import argparse
import email
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for analyzer and connectors

from measure import ROOT, Run, best_run, ndr_argv, rate, run  # bench/ is on sys.path: run as a script

from analyzer import analyze
from analyzer.serialize import to_json
from connectors.files import iter_mbox
from ndr.native import status as native_status

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"
GENERATOR_END = "2025-03-31"  # fixed: the same bytes on every run
TARGETS = {"ratio": 0.40, "rate": 1500.0, "rss_ratio": 1.3, "rss_mib": 300.0, "speedup": 1.6, "rescan": 0.05}


def peers() -> dict[str, Callable[[bytes], object]]:
    """The other parsers measured next to ndr, when installed (the `bench` extra)."""
    found: dict[str, Callable[[bytes], object]] = {}
    try:
        import mailparser  # noqa: PLC0415

        logging.getLogger("mailparser").setLevel(logging.CRITICAL)  # it logs every part type it skips
        found["mail-parser full parse"] = mailparser.parse_from_bytes
    except ImportError:
        pass
    try:
        from flufl.bounce import all_failures  # noqa: PLC0415

        found["flufl.bounce all_failures"] = lambda data: all_failures(email.message_from_bytes(data))
    except ImportError:
        pass
    return found


def generate(path: Path, n: int) -> None:
    """The demo generator's mbox of n messages (kept between runs: same seed and end date, same bytes)."""
    stamp = path.with_suffix(".done")
    if path.exists() and stamp.exists() and stamp.read_text() == f"{n} {GENERATOR_END}":
        return
    t0 = time.perf_counter()
    done = run([sys.executable, "-m", "ndr.demo.generate", "--messages", str(n), "--end", GENERATOR_END,
                "--out", str(path)])
    if done.code != 0:
        sys.exit(f"generating {path} failed: {done.stderr}")
    stamp.write_text(f"{n} {GENERATOR_END}")
    print(f"  generated {path} ({n} messages, {path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")


def mbox_sample(path: Path, n: int) -> list[bytes]:
    with open(path, "rb") as fh:
        return [data for _, data in islice(iter_mbox(fh), n)]


class Table:
    """Rows of figures, one column per input."""

    def __init__(self, inputs: list[str]) -> None:
        self.inputs = inputs
        self.rows: list[tuple[str, dict[str, str]]] = []

    def add(self, figure: str, column: str, text: str) -> None:
        for name, cells in self.rows:
            if name == figure:
                cells[column] = text
                return
        self.rows.append((figure, {column: text}))

    def print(self) -> None:
        width = max(len(name) for name, _ in self.rows) + 2
        cols = [max([len(c), *(len(cells.get(c, "")) for _, cells in self.rows)]) + 3 for c in self.inputs]
        print("\n" + "figure".ljust(width) + "".join(c.ljust(w) for c, w in zip(self.inputs, cols, strict=True)))
        for name, cells in self.rows:
            cells_text = (cells.get(c, "-").ljust(w) for c, w in zip(self.inputs, cols, strict=True))
            print(name.ljust(width) + "".join(cells_text))


def in_process(table: Table, column: str, items: list[bytes], repeat: int) -> dict[str, float]:
    """floor, analyze(), analyze()+JSON and the peers over the same bytes."""
    floor = rate(email.message_from_bytes, items, repeat)
    ours = rate(analyze, items, repeat)
    with_json = rate(lambda d: to_json(analyze(d)), items, repeat)
    table.add("floor: email.message_from_bytes (compat32)", column, f"{floor:7,.0f} msg/s")
    table.add("analyze(), one process", column, f"{ours:7,.0f} msg/s  {ours / floor:.2f}x floor")
    table.add("analyze() + JSON", column, f"{with_json:7,.0f} msg/s  {with_json / floor:.2f}x floor")
    for name, fn in peers().items():
        peer = rate(_guarded(fn), items, max(1, repeat // 2))
        table.add(name, column, f"{peer:7,.0f} msg/s  {peer / floor:.2f}x floor")
    return {"floor": floor, "analyze": ours}


PURE_CHILD = r"""
import email, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from analyzer import analyze
items = [p.read_bytes() for p in sorted(Path(sys.argv[2]).rglob("*.eml"))]
def best(fn):
    times = []
    for _ in range(int(sys.argv[3])):
        t0 = time.perf_counter()
        for data in items:
            fn(data)
        times.append(time.perf_counter() - t0)
    return len(items) / min(times)
print(best(email.message_from_bytes), best(analyze))
"""


def pure_python(table: Table, column: str, corpus: Path, repeat: int) -> None:
    """analyze() of this source without its compiled modules, in a child process (a copy of analyzer/)."""
    with tempfile.TemporaryDirectory(prefix="ndr-pure-") as tmp:
        shutil.copytree(ROOT / "analyzer", Path(tmp) / "analyzer", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
        out = subprocess.run([sys.executable, "-c", PURE_CHILD, tmp, str(corpus), str(repeat)],
                             capture_output=True, text=True, check=True).stdout.split()
    floor, pure = float(out[0]), float(out[1])
    table.add("analyze(), pure Python (not compiled)", column, f"{pure:7,.0f} msg/s  {pure / floor:.2f}x floor")


def _guarded(fn: Callable[[bytes], object]) -> Callable[[bytes], object]:
    def call(data: bytes) -> object:
        try:
            return fn(data)
        except Exception:  # noqa: BLE001 - a peer failing on a message still took its time
            return None
    return call


def scan_config(work: Path, name: str, type_: str, path: Path) -> Path:
    """A config with one source and a fresh store (any previous store of that name removed)."""
    store = work / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    cfg = work / f"{name}.toml"
    cfg.write_text(f'[store]\npath = "{store}"\n\n[[sources]]\nname = "{name}"\ntype = "{type_}"\npath = "{path}"\n')
    return cfg


def scan(cfg: Path, *extra: str) -> Run:
    done = run(ndr_argv("scan", "--config", str(cfg), "-q", *extra))
    if done.code != 0:
        sys.exit(f"ndr scan --config {cfg} {' '.join(extra)} failed ({done.code}): {done.stderr}")
    return done


def stored(cfg: Path) -> tuple[int, int]:
    """(messages, recipient rows) in the store of a bench config."""
    store = cfg.with_suffix(".sqlite3")
    with sqlite3.connect(store) as conn:
        return (conn.execute("SELECT count(*) FROM messages").fetchone()[0],
                conn.execute("SELECT count(*) FROM recipients").fetchone()[0])


def scans(table: Table, column: str, work: Path, source: tuple[str, Path], n: int, *, jobs: int) -> dict[str, float]:
    """First scan, --jobs N scan, re-scan: wall, msg/s, peak RSS, speed-up, share."""
    type_, path = source
    slug = column.split(maxsplit=1)[0]
    cfg = scan_config(work, f"{slug}-j1", type_, path)
    first = scan(cfg)
    table.add("ndr scan, fresh store", column,
              f"{first.wall:6.1f} s  {n / first.wall:6,.0f} msg/s  RSS {first.rss_mib:4.0f} MiB")
    again = scan(cfg)
    table.add("re-scan, unchanged source", column, f"{again.wall:6.1f} s  {again.wall / first.wall:.1%} of first")
    figures = {"wall": first.wall, "rss": first.rss_mib, "speedup": 1.0, "rescan": again.wall / first.wall}
    if jobs <= 1:
        return figures
    cfg_j = scan_config(work, f"{slug}-j{jobs}", type_, path)
    par = scan(cfg_j, "--jobs", str(jobs))
    table.add(f"ndr scan --jobs {jobs}, fresh store", column,
              f"{par.wall:6.1f} s  {n / par.wall:6,.0f} msg/s  RSS {par.rss_mib:4.0f} MiB  "
              f"speed-up {first.wall / par.wall:.2f}x")
    if stored(cfg) != stored(cfg_j):
        print(f"  WARNING: {column}: --jobs {jobs} stored {stored(cfg_j)}, --jobs 1 {stored(cfg)} (messages, rows)")
    return figures | {"speedup": first.wall / par.wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--messages", type=int, default=100_000, help="generated mbox size (0: corpus only)")
    ap.add_argument("--small", type=int, default=10_000, help="the small mbox, for the memory ratio")
    ap.add_argument("--sample", type=int, default=5_000, help="generated messages for the in-process figures")
    ap.add_argument("--repeat", type=int, default=5, help="best of N rounds for in-process rates")
    ap.add_argument("--jobs", type=int, default=2, help="workers of the parallel scan")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "ndr-bench",
                    help="where the generated mboxes and the stores go (not committed)")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"Python {sys.version.split()[0]}")
    build = native_status()
    if build.stale:
        sys.exit(f"bench: the compiled analyzer is older than {build.stale[0]}: run `make native` first")
    print(f"analyzer: compiled by mypyc ({len(build.compiled)} modules)" if build.built else
          "analyzer: pure Python (not compiled; `make native` compiles it)")
    corpus = [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]
    box = args.dir / f"bench-{args.messages}.mbox"
    small = args.dir / f"bench-{args.small}.mbox"
    columns = [f"corpus ({len(corpus)})"]
    if args.messages:
        generate(box, args.messages)
        generate(small, args.small)
        columns.append(f"mbox ({args.messages:,})")
    table = Table(columns)
    results: dict[str, dict[str, float]] = {}
    results["corpus"] = in_process(table, columns[0], corpus, args.repeat)
    if build.built:
        pure_python(table, columns[0], args.corpus, args.repeat)
    start = best_run(ndr_argv("triage", "--json", "--no-dns", str(next(args.corpus.rglob("*.eml")))), args.repeat)
    table.add("ndr triage --json, start-up (1 message)", columns[0], f"{start.wall:6.2f} s")
    whole = run(ndr_argv("triage", "--json", "--no-dns", str(args.corpus)), stdout=args.dir / "triage.jsonl")
    table.add("ndr triage --json, whole process", columns[0],
              f"{whole.wall:6.1f} s  {len(corpus) / whole.wall:6,.0f} msg/s  RSS {whole.rss_mib:4.0f} MiB")
    results["corpus scan"] = scans(table, columns[0], args.dir, ("dir", args.corpus), len(corpus), jobs=args.jobs)
    if args.messages:
        results["mbox"] = in_process(table, columns[1], mbox_sample(box, args.sample), max(1, args.repeat // 2))
        results["mbox scan"] = scans(table, columns[1], args.dir, ("mbox", box), args.messages, jobs=args.jobs)
        little = scan(scan_config(args.dir, "small", "mbox", small))
        ratio = results["mbox scan"]["rss"] / little.rss_mib
        table.add(f"ndr scan of {args.small:,} messages", columns[1],
                  f"{little.wall:6.1f} s  {args.small / little.wall:6,.0f} msg/s  RSS {little.rss_mib:4.0f} MiB  "
                  f"RSS ratio {ratio:.2f}x")
        results["mbox scan"]["rss_ratio"] = ratio
    table.print()
    targets(results)


def targets(results: dict[str, dict[str, float]]) -> None:
    """The issue's targets against this run's figures."""
    c = results["corpus"]
    lines = [(f"analyze() >= {TARGETS['ratio']:.0%} of the floor on the corpus",
              c["analyze"] / c["floor"] >= TARGETS["ratio"], f"{c['analyze'] / c['floor']:.2f}"),
             (f"analyze() >= {TARGETS['rate']:,.0f} msg/s on the corpus", c["analyze"] >= TARGETS["rate"],
              f"{c['analyze']:,.0f}")]
    m = results.get("mbox scan")
    if m:
        lines += [(f"scan peak RSS <= {TARGETS['rss_mib']:.0f} MiB", m["rss"] <= TARGETS["rss_mib"], f"{m['rss']:.0f}"),
                  (f"scan peak RSS <= {TARGETS['rss_ratio']}x the small scan's", m["rss_ratio"] <= TARGETS["rss_ratio"],
                   f"{m['rss_ratio']:.2f}"),
                  (f"--jobs speed-up >= {TARGETS['speedup']}x", m["speedup"] >= TARGETS["speedup"],
                   f"{m['speedup']:.2f}"),
                  (f"re-scan <= {TARGETS['rescan']:.0%} of the first scan", m["rescan"] <= TARGETS["rescan"],
                   f"{m['rescan']:.1%}")]
    print("\ntargets:")
    for text, ok, value in lines:
        print(f"  {'met   ' if ok else 'MISSED'}  {text}: {value}")


if __name__ == "__main__":
    main()
