"""Crash safety: `ndr scan` killed with SIGKILL at random points, then run again: every message stored once.

A few thousand generated messages in an mbox (with some byte-identical repeats) and a Maildir that
overlaps it. After every kill the store must be consistent (the cursor never ahead of what is
stored); after the final run, every distinct message is stored exactly once and counted once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from connectors.files import iter_mbox
from ndr.store import digest_of
from tests.mailgen import KIND_OF, digest, mbox_entry, message, write_maildir
from tests.scanhelp import ROOT, count, db, digests, ndr_argv, process_env, source_row, toml_source, write_config

MBOX_MESSAGES = 2500
REPEATS = 50  # byte-identical copies of earlier messages, appended to the mbox
MAILDIR = range(2350, 2650)  # 150 also in the mbox, 150 only here
KILLS = 8
STEP = 200  # at most this many messages stored per killed run (+ one batch): 8 runs never finish the work


def _stored(store: Path) -> int:
    try:
        return count(store)
    except sqlite3.Error:
        return 0  # not created yet, or being created


def _check_consistent(store: Path, box: Path, offsets: list[tuple[int, str]]) -> None:
    """The invariants that must hold after any kill."""
    with db(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == n
        assert conn.execute("SELECT count(DISTINCT digest) FROM messages").fetchone()[0] == n
        assert conn.execute("SELECT count(*) FROM refs WHERE message_id NOT IN (SELECT id FROM messages)"
                            ).fetchone()[0] == 0
        counted = conn.execute("SELECT coalesce(sum(new + failed), 0) FROM sources").fetchone()[0]
        assert counted == n  # each stored message counted once as new
    stored = set(digests(store))
    cursor = source_row(store, "box").get("cursor")
    if cursor:
        last = json.loads(str(cursor))["last"]
        before = {d for offset, d in offsets if offset <= last}
        assert before <= stored  # the cursor is never ahead of what is stored


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])  # 2: analysis in worker processes (ndr scan --jobs), one writer
def test_sigkill_at_random_points_then_rerun_stores_everything_exactly_once(tmp_path: Path, jobs: int) -> None:
    seed = int(os.environ.get("NDR_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
    rng = random.Random(seed)
    box = tmp_path / "bounces.mbox"
    repeats = [rng.randrange(MBOX_MESSAGES) for _ in range(REPEATS)]
    with open(box, "wb") as fh:
        for i in [*range(MBOX_MESSAGES), *repeats]:
            fh.write(mbox_entry(message(i), i))
    write_maildir(tmp_path / "Maildir", MAILDIR)
    with open(box, "rb") as fh:
        offsets = [(offset, digest_of(data)) for offset, data in iter_mbox(fh)]
    assert len(offsets) == MBOX_MESSAGES + REPEATS
    cfg = write_config(tmp_path, toml_source("box", "mbox", box), toml_source("md", "maildir", tmp_path / "Maildir"))
    store = tmp_path / "store.sqlite3"
    env = process_env(home=tmp_path)

    killed = 0
    for attempt in range(KILLS):
        batch = str(rng.choice([1, 2, 7, 30, 100]))  # small batches: more kills land inside a transaction
        argv = ndr_argv("scan", "--config", str(cfg), "-q", "--batch-size", batch, "--jobs", str(jobs))
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        start = _stored(store)
        if attempt % 2:  # kill after a random delay: during start-up, schema creation or the scan
            deadline = time.monotonic() + rng.uniform(0.05, 2.5)
            while time.monotonic() < deadline and proc.poll() is None and _stored(store) < start + STEP:
                time.sleep(0.005)
        else:  # kill once the store has grown by a random number of messages
            target = start + rng.randint(1, STEP)
            while _stored(store) < target and proc.poll() is None:
                time.sleep(0.005)
        if proc.poll() is not None:
            break  # it finished before we could kill it
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert proc.stderr is not None
        proc.stderr.close()
        killed += 1
        print(f"seed {seed}: killed run {attempt + 1} (batch {batch}) with {_stored(store)} messages stored")
        if store.exists():
            _check_consistent(store, box, offsets)

    final = subprocess.run(ndr_argv("scan", "--config", str(cfg), "-q", "--jobs", str(jobs)), env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, f"seed {seed}: {final.stderr}"
    assert killed >= KILLS // 2, f"seed {seed}: the scan finished before it could be killed enough"

    expected = {digest(i) for i in range(MBOX_MESSAGES)} | {digest(i) for i in MAILDIR}
    assert set(digests(store)) == expected, f"seed {seed}"
    assert count(store) == len(expected) == MBOX_MESSAGES + 150
    _check_consistent(store, box, offsets)
    box_row, md_row = source_row(store, "box"), source_row(store, "md")
    assert box_row["new"] == MBOX_MESSAGES and box_row["failed"] == 0
    assert box_row["duplicates"] == REPEATS  # an mbox resumes after its cursor: nothing read twice
    assert md_row["new"] == 150 and md_row["failed"] == 0
    assert count(store, "refs") == MBOX_MESSAGES + REPEATS + len(MAILDIR)
    recipients = sum(1 for i in expected_indices() if KIND_OF[i % len(KIND_OF)] != "not_bounce")
    assert count(store, "recipients") == recipients
    with db(store) as conn:
        runs = conn.execute("SELECT count(*), count(finished_at) FROM runs").fetchone()
    assert runs[1] >= 1 and runs[0] >= runs[1]


def expected_indices() -> list[int]:
    return sorted(set(range(MBOX_MESSAGES)) | set(MAILDIR))
