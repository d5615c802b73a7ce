"""`ndr scan --jobs N`: analysis in worker processes, one writer, the same store as a single-process scan.

(Crash safety with --jobs 2 is tests/test_crash.py, parametrized over jobs.)
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from analyzer import DEFAULT_OPTIONS
from connectors.base import RawMessage
from connectors.files import iter_mbox
from ndr.demo.generate import write_mbox
from ndr.errors import ConfigError
from ndr.scan_workers import Inline, Workers
from ndr.scanconfig import parse_scan_config
from ndr.store import digest_of
from tests.mailgen import message
from tests.scanhelp import ROOT, ndr_argv, ndr_process, process_env, source_row, toml_source, write_config

MESSAGES = 300
REPEATS = (5, 17, 17, 250)  # indices of messages appended again: duplicates, some while the first is in flight


def _mbox(path: Path) -> Path:
    """A generated mbox with a few byte-identical copies of its messages appended."""
    write_mbox(path, MESSAGES, end=date(2025, 3, 31), days=10, seed=11)
    data = path.read_bytes()
    with open(path, "rb") as fh:
        offsets = [offset for offset, _ in iter_mbox(fh)] + [len(data)]
    with open(path, "ab") as fh:
        for i in REPEATS:
            fh.write(data[offsets[i]: offsets[i + 1]])
    return path


def _store_dump(store: Path) -> dict[str, object]:
    """Everything a scan wrote, except times and the run's argv."""
    with sqlite3.connect(store) as conn:
        return {
            "messages": conn.execute(
                "SELECT id, digest, size, source, ref, folder, date, kind, message_id, subject, reporter, failure "
                "FROM messages ORDER BY id").fetchall(),
            "bodies": conn.execute("SELECT message_id, kept_size, data, analysis FROM bodies ORDER BY message_id"
                                   ).fetchall(),
            "recipients": conn.execute("SELECT * FROM recipients ORDER BY message_id, position").fetchall(),
            "refs": conn.execute("SELECT source, ref, message_id FROM refs ORDER BY source, ref").fetchall(),
            "sources": conn.execute("SELECT name, cursor, fetched, new, duplicates, failed FROM sources").fetchall(),
        }


@pytest.mark.slow
def test_jobs_2_stores_exactly_what_jobs_1_stores(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "bounces.mbox")
    dumps = []
    for jobs in (1, 2):
        work = tmp_path / f"j{jobs}"
        work.mkdir()
        cfg = write_config(work, toml_source("box", "mbox", box))
        ran = ndr_process("scan", "--config", str(cfg), "-q", "--jobs", str(jobs), "--batch-size", "7")
        assert ran.code == 0, ran.err
        assert f"{MESSAGES + len(REPEATS)} fetched, {MESSAGES} new, {len(REPEATS)} duplicates, 0 failed" in ran.out
        dumps.append(_store_dump(work / "store.sqlite3"))
    one, two = dumps
    assert len(one["messages"]) == MESSAGES  # type: ignore[arg-type]
    for table in one:
        assert two[table] == one[table], table


@pytest.mark.slow
def test_jobs_from_the_config_and_a_resumed_scan(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "bounces.mbox")
    cfg = write_config(tmp_path, "[scan]\njobs = 2\n\n" + toml_source("box", "mbox", box))
    first = ndr_process("scan", "--config", str(cfg), "-q", "--max-messages", "120")
    assert first.code == 0, first.err
    assert source_row(tmp_path / "store.sqlite3", "box")["new"] == 120
    rest = ndr_process("scan", "--config", str(cfg), "-q")
    assert rest.code == 0, rest.err
    row = source_row(tmp_path / "store.sqlite3", "box")
    assert (row["fetched"], row["new"], row["duplicates"]) == (MESSAGES + len(REPEATS), MESSAGES, len(REPEATS))


def test_dry_run_with_jobs_stores_nothing(tmp_path: Path) -> None:
    box = _mbox(tmp_path / "bounces.mbox")
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    ran = ndr_process("scan", "--config", str(cfg), "--dry-run", "--jobs", "2", "--max-messages", "40")
    assert ran.code == 0, ran.err
    assert "40 fetched, 40 new" in ran.out
    assert ran.err.count(": would store ") == 40
    assert not (tmp_path / "store.sqlite3").exists()


def _items(n: int) -> list[RawMessage]:
    return [RawMessage(ref=f"m{i}", data=message(i), cursor=f'{{"next": {i + 1}}}') for i in range(n)]


def test_workers_hand_back_in_fetch_order_within_the_window() -> None:
    items = _items(60)
    inline = Inline(DEFAULT_OPTIONS)
    workers = Workers(DEFAULT_OPTIONS, 2, chunk=4, window=10)
    got: list[str] = []
    try:
        for i, item in enumerate(items):
            fresh = i % 7 != 3  # every seventh message is a known duplicate: not analysed
            inline.put(item, digest_of(item.data), analyse_it=fresh)
            workers.put(item, digest_of(item.data), analyse_it=fresh)
            got.extend(o.item.ref for o in workers.ready())
            assert i + 1 - len(got) <= 10  # never more than the window in flight
        outcomes = list(workers.finish())
        got.extend(o.item.ref for o in outcomes)
    finally:
        workers.close()
    assert got == [item.ref for item in items]
    expected = list(inline.finish())
    assert [o.prepared for o in outcomes] == [o.prepared for o in expected[-len(outcomes):]]
    assert workers.broken is None


def test_a_killed_worker_does_not_lose_messages() -> None:
    items = _items(40)
    workers = Workers(DEFAULT_OPTIONS, 2, chunk=2, window=40)
    try:
        for item in items[:4]:
            workers.put(item, digest_of(item.data), analyse_it=True)
        first = list(workers.finish())
        pool = workers._pool
        assert pool is not None
        pids = list(pool._processes)
        assert pids
        os.kill(pids[0], 9)
        for item in items[4:]:
            workers.put(item, digest_of(item.data), analyse_it=True)
        rest = list(workers.finish())
    finally:
        workers.close()
    outcomes = first + rest
    assert [o.item.ref for o in outcomes] == [item.ref for item in items]
    assert all(o.prepared is not None and o.error is None for o in outcomes)
    assert workers.broken is not None and "BrokenProcessPool" in workers.broken


def test_scan_section_of_the_config() -> None:
    assert parse_scan_config({"jobs": 3}).jobs == 3
    assert parse_scan_config({}).jobs == 1
    for table, error in (({"jobs": 0}, "scan.jobs: expected 1 to 64"), ({"jobs": "2"}, "scan.jobs: expected a whole"),
                         ({"jobs": True}, "scan.jobs: expected a whole"), ({"job": 2}, "scan.job: unknown key")):
        with pytest.raises(ConfigError, match=error):
            parse_scan_config(table)


def test_jobs_option_is_validated(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, toml_source("box", "mbox", tmp_path / "none.mbox"))
    ran = ndr_process("scan", "--config", str(cfg), "--jobs", "0")
    assert ran.code == 2
    assert "--jobs" in ran.err
    bad = write_config(tmp_path, "[scan]\njobs = 0\n\n" + toml_source("box", "mbox", tmp_path / "none.mbox"))
    ran = ndr_process("scan", "--config", str(bad))
    assert ran.code == 2
    assert "scan.jobs: expected 1 to 64" in ran.err


def _marked(mark: str) -> list[int]:
    """Processes whose environment holds the mark (the scan and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_workers_end_when_the_writer_is_killed(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, 3000, end=date(2025, 3, 31), days=10, seed=3)
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    mark = f"NDR_TEST_MARK=workers-{os.getpid()}-{time.monotonic_ns()}"
    env = process_env({mark.split("=")[0]: mark.split("=")[1]}, home=tmp_path)
    proc = subprocess.Popen(ndr_argv("scan", "--config", str(cfg), "-q", "--jobs", "2"), env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_marked(mark)) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the writer, the forkserver and two workers
    assert proc.poll() is None, "the scan ended before it could be killed"
    assert len(_marked(mark)) >= 4
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    deadline = time.monotonic() + 15
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _marked(mark)
    for pid in left:  # do not leave them behind, but fail
        os.kill(pid, signal.SIGKILL)
    assert left == [], "worker processes outlived the killed scan"
