"""Shared locks for reading an mbox that a delivery agent may be appending to.

Writers lock an mbox before they append a message: Postfix local(8) with fcntl and a dotlock
(`mailbox_delivery_lock`), Dovecot LDA with a dotlock and fcntl (`mbox_write_locks`), procmail with
a dotlock and fcntl or flock. On Linux fcntl and flock locks are independent, so a reader takes a
shared lock of both kinds: it waits for the append in progress to end, and writers wait for it.

Dotlocks are not created: an mbox source is read-only (ndr may have no right to create files in
the spool directory, and a `<mbox>.lock` left by a killed scan would hold up delivery until the
writers call it stale). A fresh `<mbox>.lock` (younger than STALE_DOTLOCK_SECONDS) is waited for;
an older one is a leftover of a crashed writer and ignored.

The wait is bounded: a writer that holds its lock longer (a hung delivery, a mail client with the
mailbox open) does not hang a nightly scan. The caller is told which locks were still held and
then reads what is there, keeping away from the message being written. The locks are polled: a
burst of deliveries handing the lock from writer to writer without a pause can outlast the wait,
which is safe (the message being written is still left out), only later.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import time
from pathlib import Path
from typing import BinaryIO

STALE_DOTLOCK_SECONDS = 300  # a <mbox>.lock older than this is ignored (Postfix: 500 s, procmail: 17 min)
POLL_SECONDS = 0.01  # between two attempts (non-blocking: a blocking fcntl cannot be given a timeout)
_BUSY = frozenset({errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK})


def dotlock_path(path: Path) -> Path:
    """The dotlock of an mbox: the same name with '.lock' appended."""
    return path.with_name(path.name + ".lock")


def fresh_dotlock(path: Path, *, now: float | None = None) -> bool:
    """True when `<path>.lock` exists and was modified less than STALE_DOTLOCK_SECONDS ago."""
    try:
        mtime = dotlock_path(path).stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - mtime < STALE_DOTLOCK_SECONDS


def lock_shared(fh: BinaryIO, path: Path, *, wait: float) -> tuple[str, ...]:
    """Wait for a fresh dotlock to go, then take shared fcntl and flock locks on `fh`, in `wait` seconds at most.

    Returns the locks a writer still held when the time was up ("dotlock", "fcntl", "flock"): empty
    when the file is quiet. A lock the file system does not support (ENOLCK, ...) is not waited for.
    """
    deadline = time.monotonic() + wait
    held: list[str] = []
    while fresh_dotlock(path):
        if time.monotonic() >= deadline:
            held.append("dotlock")
            break
        time.sleep(POLL_SECONDS)
    fd = fh.fileno()
    for name, take in (("fcntl", _lockf), ("flock", _flock)):
        while not take(fd):
            if time.monotonic() >= deadline:
                held.append(name)
                break
            time.sleep(POLL_SECONDS)
    return tuple(held)


def unlock(fh: BinaryIO) -> None:
    """Release the locks taken by lock_shared (closing the file releases them too)."""
    fd = fh.fileno()
    with contextlib.suppress(OSError):  # not taken, or not supported here
        fcntl.lockf(fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lockf(fd: int) -> bool:
    """A shared POSIX (fcntl) lock on the whole file; False while a writer holds an exclusive one."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno not in _BUSY
    return True


def _flock(fd: int) -> bool:
    """A shared BSD (flock) lock; False while a writer holds an exclusive one."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno not in _BUSY
    return True
