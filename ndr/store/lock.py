"""One writer at a time: `ndr scan` and `ndr reanalyze` hold an exclusive lock next to the store.

The lock is an flock on `<store>.lock`; the kernel drops it when the process ends, even by SIGKILL,
so a killed scan never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ndr.errors import NdrError


class LockedError(NdrError):
    """Another ndr process is writing to the same store."""

    exit_code = 1


@contextmanager
def writer_lock(store_path: Path) -> Iterator[None]:
    """Hold the store's writer lock, or raise LockedError at once."""
    path = store_path.with_name(store_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            raise LockedError(f"{store_path}: another ndr process is writing to this store"
                              + (f" (pid {holder})" if holder else "")) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
