"""`ndr scan` over a generated mbox: messages per second, peak memory, bytes stored per message.

    python bench/scan_bench.py [--messages 100000] [--dir /tmp/ndr-scan-bench] [--corpus DIR]

Generates the mbox once (tests/mailgen.py templates; not committed), scans it into a fresh store in
a subprocess (wall and CPU time, peak RSS from getrusage of the child), scans it again (nothing new:
the cursor resumes at the end), then forces a full rescan (every message a duplicate). Also reports
the stored bytes per message for the real corpus (kept bytes compressed + analysis JSON).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer import DEFAULT_OPTIONS  # noqa: E402
from ndr.store import prepare  # noqa: E402
from tests.mailgen import mbox_entry, message  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"


def generate(path: Path, n: int) -> None:
    if path.exists() and path.with_suffix(".count").exists() and path.with_suffix(".count").read_text() == str(n):
        return
    t0 = time.perf_counter()
    with open(path, "wb") as fh:
        for i in range(n):
            fh.write(mbox_entry(message(i), i))
    path.with_suffix(".count").write_text(str(n))
    print(f"generated {n} messages, {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s")


def run_scan(cfg: Path, *args: str) -> tuple[float, float, int, str]:
    """(wall s, cpu s, peak RSS KiB, stdout) of one `ndr scan` subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "import sys; from ndr.cli import main; sys.exit(main())",
                           "scan", "--config", str(cfg), "-q", *args], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss, proc.stdout


def store_figures(store: Path) -> dict[str, float]:
    with sqlite3.connect(store) as conn:
        n = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        raw = conn.execute("SELECT sum(size) FROM messages").fetchone()[0]
        kept = conn.execute("SELECT sum(kept_size), sum(length(data)) FROM bodies").fetchone()
        analysis = conn.execute("SELECT sum(length(analysis)) FROM bodies").fetchone()[0]
        recipients = conn.execute("SELECT count(*) FROM recipients").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = store.stat().st_size
    return {"messages": n, "raw": raw / n, "kept": kept[0] / n, "kept_zlib": kept[1] / n,
            "analysis_json": analysis / n, "recipients": recipients, "file": size / n, "file_total": size}


def corpus_figures(corpus: Path) -> None:
    files = sorted(corpus.rglob("*.eml"))
    if not files:
        return
    raw = kept = packed = js = 0
    for path in files:
        data = path.read_bytes()
        p = prepare(data, DEFAULT_OPTIONS)
        raw += len(data)
        kept += p.kept_size
        packed += len(p.kept)
        js += len(p.analysis_packed)
    n = len(files)
    print(f"corpus {corpus.name} ({n} real bounces): raw {raw / n:,.0f} B/msg, kept {kept / n:,.0f}, "
          f"kept+zlib {packed / n:,.0f}, analysis JSON+zlib {js / n:,.0f} B/msg")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "ndr-scan-bench")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    box = args.dir / "bounces.mbox"
    generate(box, args.messages)
    store = args.dir / "store.sqlite3"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    cfg = args.dir / "ndr.toml"
    cfg.write_text(f'[store]\npath = "{store}"\n\n[[sources]]\nname = "bench"\ntype = "mbox"\npath = "{box}"\n')
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    n = args.messages
    wall, cpu, rss, _ = run_scan(cfg)
    print(f"first scan   {n} messages: {wall:7.1f} s wall, {cpu:7.1f} s CPU -> {n / wall:6.0f} msg/s "
          f"({n / cpu:.0f} per CPU-second); peak RSS {rss / 1024:.0f} MiB")
    wall, cpu, rss2, _ = run_scan(cfg)
    print(f"second scan  nothing new:      {wall:7.1f} s wall, {cpu:7.1f} s CPU")
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE sources SET cursor = NULL")
    wall, cpu, rss3, _ = run_scan(cfg)
    print(f"full rescan  {n} duplicates: {wall:7.1f} s wall, {cpu:7.1f} s CPU -> {n / wall:6.0f} msg/s; "
          f"peak RSS {max(rss2, rss3) / 1024:.0f} MiB")
    f = store_figures(store)
    print(f"store: {f['file_total'] / 1e6:.0f} MB for {f['messages']:.0f} messages = {f['file']:,.0f} B/msg on disk; "
          f"raw {f['raw']:,.0f} B/msg, kept {f['kept']:,.0f}, kept+zlib {f['kept_zlib']:,.0f}, "
          f"analysis JSON+zlib {f['analysis_json']:,.0f}; {f['recipients']:.0f} recipient rows")
    corpus_figures(args.corpus)


if __name__ == "__main__":
    main()
