"""`ndr scan` of an mbox that a delivery agent is appending to: real writer processes holding real locks.

The writer (a Python child) locks the mbox as Postfix local(8), Dovecot LDA or procmail do (fcntl,
flock, a `<mbox>.lock` dotlock), writes the first half of a message -- up to the blank line after
its header, so the half looks like a whole message -- waits, writes the rest and unlocks. Every
message must be stored exactly once and whole (its digest is the generated message's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors import local
from connectors.files import iter_mbox
from tests.mailgen import digest, mbox_entry, message, write_mbox
from tests.scanhelp import ROOT, digests, ndr, toml_source, write_config

WRITER = r"""
import fcntl, os, sys, time
from tests.mailgen import mbox_entry, message
path, modes, first, last, pause = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
with open(path, "ab") as fh:
    for i in range(first, last):
        if os.path.exists(path + ".stop"):
            break
        entry = mbox_entry(message(i), i)
        cut = entry.index(b"\n\n") + 2  # the header and its blank line
        if "dotlock" in modes:
            os.close(os.open(path + ".lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        if "fcntl" in modes:
            fcntl.lockf(fh, fcntl.LOCK_EX)
        if "flock" in modes:
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(entry[:cut])
        fh.flush()
        print("half", i, flush=True)
        if pause == "stdin":
            sys.stdin.readline()
        else:
            time.sleep(float(pause))
        fh.write(entry[cut:])
        fh.flush()
        if "flock" in modes:
            fcntl.flock(fh, fcntl.LOCK_UN)
        if "fcntl" in modes:
            fcntl.lockf(fh, fcntl.LOCK_UN)
        if "dotlock" in modes:
            os.unlink(path + ".lock")
        print("done", i, flush=True)
        time.sleep(0.05)  # the next delivery: another process, another lock
"""


def _writer(box: Path, modes: str, first: int, last: int, pause: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(box), modes, str(first), str(last), pause],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _expect(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    got = proc.stdout.readline().strip()
    assert got == line, f"writer said {got!r}, expected {line!r}"


def _finish(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _scan(cfg: Path) -> tuple[list[int], str]:
    """[fetched, new, duplicates, failed, skipped] of the source "box", and the log (stderr)."""
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 0, ran.err
    row = next(line.split() for line in ran.out.splitlines()[2:] if line.split()[0] == "box")
    return [int(c) for c in row[2:7]], ran.err


def _setup(tmp_path: Path, first: int) -> tuple[Path, Path]:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(first))
    return box, write_config(tmp_path, toml_source("box", "mbox", box))


@pytest.mark.parametrize("modes", ["fcntl,flock", "fcntl", "flock", "dotlock", "dotlock,fcntl"])
def test_scans_while_a_writer_appends_store_every_message_once_and_whole(tmp_path: Path, modes: str) -> None:
    box, cfg = _setup(tmp_path, 3)
    writer = _writer(box, modes, 3, 1000, "0.1")
    totals = [0, 0, 0, 0, 0]
    try:
        _expect(writer, "half 3")
        until, scans = time.monotonic() + 2.0, 0
        while time.monotonic() < until or scans < 4:  # scans while the writer appends, message after message
            scans += 1
            time.sleep(0.02 * (scans % 5))  # scans start at different points of a delivery
            counts, err = _scan(cfg)
            assert "still locked" not in err
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        (tmp_path / "bounces.mbox.stop").touch()
    finally:
        _finish(writer)
    assert writer.stdout is not None
    written = 3 + writer.stdout.read().count("done")  # the 3 first ones, and the writer's
    assert 5 < written < 1000
    counts, _ = _scan(cfg)
    totals = [a + b for a, b in zip(totals, counts, strict=True)]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(written))  # whole: same digests
    assert totals == [written, written, 0, 0, 0]  # each fetched once: no duplicate, no message read twice


@pytest.mark.parametrize("modes", ["fcntl", "flock", "dotlock"])
def test_a_scan_waits_for_the_writer_to_finish_its_message(tmp_path: Path, modes: str) -> None:
    box, cfg = _setup(tmp_path, 5)
    writer = _writer(box, modes, 5, 6, "1.0")
    try:
        _expect(writer, "half 5")  # the half ends with a blank line: without the wait it looks whole
        counts, err = _scan(cfg)
    finally:
        _finish(writer)
    assert "still locked" not in err
    assert counts == [6, 6, 0, 0, 0]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(6))


@pytest.mark.parametrize("modes", ["fcntl", "flock", "dotlock", "dotlock,fcntl,flock"])
def test_a_writer_holding_its_lock_too_long_the_scan_goes_on_without_its_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modes: str) -> None:
    monkeypatch.setattr(local, "LOCK_WAIT_SECONDS", 1)
    box, cfg = _setup(tmp_path, 5)
    writer = _writer(box, modes, 5, 6, "stdin")
    try:
        _expect(writer, "half 5")
        counts, err = _scan(cfg)
        assert f"box: {box}: still locked by a writer ({modes.replace(',', ', ')}) after 1 s" in err
        assert counts == [5, 5, 0, 0, 0]  # the message being written is left for the next scan
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        _expect(writer, "done 5")
    finally:
        _finish(writer)
    counts, err = _scan(cfg)
    assert "still locked" not in err
    assert counts == [1, 1, 0, 0, 0]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(6))


def test_a_stale_dotlock_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "LOCK_WAIT_SECONDS", 2)
    _, cfg = _setup(tmp_path, 4)
    lock = tmp_path / "bounces.mbox.lock"
    lock.write_bytes(b"4242\n")  # left by a writer that crashed 10 minutes ago
    old = time.time() - 600
    os.utime(lock, (old, old))
    counts, err = _scan(cfg)
    assert "still locked" not in err
    assert counts == [4, 4, 0, 0, 0]  # a lock taken as held would have left the last message
    assert lock.exists()  # not ours to remove
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("bounces")) == [
        "bounces.mbox", "bounces.mbox.lock"]  # no lock file created beside the mbox


def test_a_last_message_without_its_blank_line_waits_until_the_file_is_quiet(tmp_path: Path) -> None:
    box, cfg = _setup(tmp_path, 3)
    with open(box, "ab") as fh:  # a writer that takes no lock, or a sloppy one that never ends the message
        fh.write(mbox_entry(message(3), 3).rstrip(b"\n") + b"\n")
    counts, err = _scan(cfg)
    assert counts == [3, 3, 0, 0, 0]
    assert f"box: {box}#" in err and "left for the next scan" in err
    counts, _ = _scan(cfg)
    assert counts == [0, 0, 0, 0, 0]  # still too fresh
    old = time.time() - local.QUIET_SECONDS - 1
    os.utime(box, (old, old))
    counts, _ = _scan(cfg)
    assert counts == [1, 1, 0, 0, 0]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(4))
    with open(box, "ab") as fh:  # the writer comes back, ends the message and appends another one
        fh.write(b"\n" + mbox_entry(message(4), 4))
    counts, _ = _scan(cfg)
    assert counts == [1, 1, 0, 0, 0]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(5))


def test_a_message_cut_mid_line_is_left_until_written(tmp_path: Path) -> None:
    box, cfg = _setup(tmp_path, 2)
    entry = mbox_entry(message(2), 2)
    with open(box, "ab") as fh:
        fh.write(entry[: len(entry) // 2])
    assert _scan(cfg)[0] == [2, 2, 0, 0, 0]
    with open(box, "ab") as fh:
        fh.write(entry[len(entry) // 2:])
    assert _scan(cfg)[0] == [1, 1, 0, 0, 0]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(3))


def _entries(*items: bytes) -> bytes:
    return b"".join(items)


A = b"From a@example.com Mon Jun  3 10:00:00 2024\nSubject: a\n\nbody a\n\n"
B = b"From b@example.com Mon Jun  3 10:01:00 2024\r\nSubject: b\r\n\r\nbody b\r\n\r\n"
C = b"From c@example.com Mon Jun  3 10:02:00 2024\nSubject: c\n\nbody c\n"  # no blank line after it


def _read(path: Path, **kw: object) -> tuple[list[tuple[int, bytes]], list[int]]:
    left: list[int] = []
    with open(path, "rb") as fh:
        got = list(iter_mbox(fh, left=left.append, **kw))  # type: ignore[arg-type]
    return got, left


def test_iter_mbox_snapshot_end_and_last_message(tmp_path: Path) -> None:
    box = tmp_path / "x.mbox"
    box.write_bytes(A + B + C)
    a, b, c = A.split(b"\n", 1)[1][:-1], B.split(b"\n", 1)[1][:-2], C.split(b"\n", 1)[1]
    everything, left = _read(box)  # "always": as before, the unterminated last message counts
    assert everything == [(0, a), (len(A), b), (len(A + B), c)] and left == []
    got, left = _read(box, last="terminated")
    assert got == [(0, a), (len(A), b)] and left == [len(A + B)]
    got, left = _read(box, end=len(A + B), last="terminated")  # CRLF blank line: terminated
    assert got == [(0, a), (len(A), b)] and left == []
    got, left = _read(box, end=len(A + B) - 1, last="terminated")  # the snapshot ends inside B's last "\r\n"
    assert got == [(0, a)] and left == [len(A)]
    got, left = _read(box, end=len(A) + 64, last="always")  # bytes after the snapshot are not parsed
    assert got == [(0, a), (len(A), B[:64].split(b"\n", 1)[1])] and got[1][1].endswith(b"\r\n\r\nbody ")
    got, left = _read(box, end=len(A + B), last="never")
    assert got == [(0, a)] and left == [len(A)]
    got, left = _read(box, start=len(A), end=len(A + B), last="terminated")
    assert got == [(len(A), b)]
    assert _read(box, start=len(A), end=len(A)) == ([], [])
