"""Local inputs: .eml files, directories of them (recursive), mbox files, standard input.

Streaming and bounded: an mbox is read message by message, never whole into memory.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

MAX_FILE_BYTES = 64 * 1024 * 1024  # bytes read of one message file or stdin (the analyzer reads far less)
_FROM_LINE = re.compile(rb"^From \S*.*$")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.M)
_BATCH_BYTES = 256 * 1024  # iter_mbox reads lines about this many bytes at a time
LastMessage = Literal["always", "terminated", "never"]  # iter_mbox: when the last message counts


@dataclass(frozen=True, slots=True, kw_only=True)
class FileMessage:
    """One message read from a local input."""

    source: str  # path as given, or "path/N" for the N-th (1-based) message of an mbox
    data: bytes  # raw message bytes
    offset: int | None = None  # byte offset of the message's "From " line in an mbox


class InputError(Exception):
    """A local input could not be read (missing file, permission, ...)."""


def is_mbox(path: Path) -> bool:
    """An mbox: named *.mbox/*.mbx, or starting with a 'From ' line and holding a second one."""
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    if not head.startswith(b"From "):
        return False
    return re.search(rb"\n\r?\nFrom \S+", head) is not None or (len(head) == 65536 and _has_second_from(path))


def _has_second_from(path: Path) -> bool:
    with open(path, "rb") as fh:
        prev_blank = False
        fh.readline()
        for line in fh:
            if prev_blank and line.startswith(b"From "):
                return True
            prev_blank = line in (b"\n", b"\r\n")
    return False


def iter_mbox(
    fh: BinaryIO, *, start: int = 0, end: int | None = None, max_message_bytes: int = 64 * 1024 * 1024,
    last: LastMessage = "always", left: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of each message in an mbox stream, from byte `start`. mboxrd '>From ' unescaped.

    A message is delimited by a 'From ' line at the start of the file or after a blank line.
    Messages longer than max_message_bytes are cut there (the analyzer bounds them anyway).
    `end`: the bytes from there on are not parsed (a snapshot of a file still growing).
    `last`: the last message is yielded "always", only when it ends with the blank line that
    follows every mbox message ("terminated": a writer still appending has not written it), or
    "never"; when it is not, `left(offset)` is called.
    """
    if end is not None and start >= end:
        return
    fh.seek(start)
    pos = start
    chunks: list[bytes] = []
    size = 0
    msg_offset: int | None = None
    prev_blank = True
    for batch in _batches(fh, None if end is None else end - start):
        for line in batch:
            if prev_blank and line.startswith(b"From ") and _FROM_LINE.match(line.rstrip(b"\r\n")):
                if msg_offset is not None:
                    yield msg_offset, _finish(chunks)
                chunks, size, msg_offset = [], 0, pos
            elif msg_offset is None:
                msg_offset = pos  # no leading From line: treat as one message
                chunks, size = [line], len(line)
            elif size < max_message_bytes:
                chunks.append(line)
                size += len(line)
            prev_blank = line in (b"\n", b"\r\n")
            pos += len(line)
    if msg_offset is None:
        return
    if last == "always" or (last == "terminated" and prev_blank):
        yield msg_offset, _finish(chunks)
    elif left is not None:
        left(msg_offset)


def _batches(fh: BinaryIO, limit: int | None) -> Iterator[list[bytes]]:
    """The lines of `fh` from its position, a list at a time; with a limit, only that many bytes (the
    line it ends in is cut there). Lists, not lines: no per-line test for the limit (read speed)."""
    while limit is None or limit > 0:
        batch = fh.readlines(_BATCH_BYTES)
        if not batch:
            return
        if limit is not None:
            total = sum(map(len, batch))
            if total >= limit:
                yield _cut(batch, limit)
                return
            limit -= total
        yield batch


def _cut(lines: list[bytes], limit: int) -> list[bytes]:
    """The first `limit` bytes of lines, as lines."""
    kept: list[bytes] = []
    for line in lines:
        if len(line) >= limit:
            kept.append(line[:limit])
            return kept
        kept.append(line)
        limit -= len(line)
    return kept


def _finish(chunks: list[bytes]) -> bytes:
    data = b"".join(chunks)
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    if b">From " in data:
        data = _ESCAPED_FROM.sub(rb"\1", data)
    return data


def iter_inputs(paths: list[str], *, stdin: BinaryIO | None = None) -> Iterator[FileMessage | InputError]:
    """Every message of the given inputs, in order; an unreadable input yields an InputError."""
    for arg in paths:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield FileMessage(source="-", data=stream.read(MAX_FILE_BYTES))
            continue
        path = Path(arg)
        if path.is_dir():
            try:
                found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".eml" and p.is_file())
            except OSError as exc:
                yield InputError(f"{arg}: cannot list the directory: {exc.strerror or exc}")
                continue
            for p in found:
                yield from _read_file(p, str(p))
            continue
        if not path.exists():
            yield InputError(f"{arg}: no such file or directory")
            continue
        if is_mbox(path):
            try:
                with open(path, "rb") as fh:
                    for n, (offset, data) in enumerate(iter_mbox(fh), start=1):
                        yield FileMessage(source=f"{arg}/{n}", data=data, offset=offset)
            except OSError as exc:
                yield InputError(f"{arg}: {exc.strerror or exc}")
            continue
        yield from _read_file(path, arg)


def _read_file(path: Path, source: str) -> Iterator[FileMessage | InputError]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES)
    except OSError as exc:
        yield InputError(f"{source}: {exc.strerror or exc}")
        return
    yield FileMessage(source=source, data=data)


def is_tty(stream: object) -> bool:
    """True when the stream is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
    except ValueError:
        return False
