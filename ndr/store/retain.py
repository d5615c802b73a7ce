"""What the store keeps of a message so that `ndr reanalyze` can run the analyzer again (pure).

Everything the analyzer reads is kept: all headers, text parts, delivery-status and feedback
reports, and the returned original's headers. What it does not read is cut: the body of a returned
original (message/rfc822) and of attachments, after PART_BODY_BYTES, at a line end. MIME boundaries
stay in place, so the kept bytes parse like the original. Messages up to KEEP_WHOLE_BYTES are kept
whole; nothing beyond analyzer.limits.MAX_MESSAGE_BYTES is kept (the analyzer ignores it too).
"""

from __future__ import annotations

import re
import zlib
from email.message import Message
from email.parser import BytesHeaderParser

from analyzer import limits

KEEP_WHOLE_BYTES = 64 * 1024  # messages up to this size are kept byte for byte
PART_BODY_BYTES = 4 * 1024  # bytes kept of a returned original's body or an attachment's body
ZLIB_LEVEL = 6  # zlib's default: most of the gain of level 9 at a fraction of its time

# Leaf types the analyzer reads: kept whole.
_READ_TYPES = frozenset({
    "message/delivery-status", "message/global-delivery-status", "message/feedback-report",
    "text/rfc822-headers", "message/rfc822-headers", "message/global-headers",
})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_HEADERS = BytesHeaderParser()


def kept_bytes(data: bytes) -> bytes:
    """The bytes to keep of a raw message (see the module docstring)."""
    data = data[: limits.MAX_MESSAGE_BYTES]
    if len(data) <= KEEP_WHOLE_BYTES:
        return data
    return _entity(data, depth=0)


def compress(data: bytes) -> bytes:
    """zlib-compress kept bytes."""
    return zlib.compress(data, ZLIB_LEVEL)


def decompress(blob: bytes) -> bytes:
    """The kept bytes back."""
    return zlib.decompress(blob)


def _split_head(entity: bytes) -> tuple[bytes, bytes]:
    """(header block including the blank line, body). An entity starting with a blank line has no headers."""
    if entity.startswith(b"\n"):
        return entity[:1], entity[1:]
    if entity.startswith(b"\r\n"):
        return entity[:2], entity[2:]
    m = _BLANK_LINE.search(entity)
    if m is None:
        return entity, b""
    return entity[: m.end()], entity[m.end() :]


def _entity(entity: bytes, *, depth: int) -> bytes:
    head, body = _split_head(entity)
    headers: Message = _HEADERS.parsebytes(head)
    ctype = headers.get_content_type()
    if ctype.startswith("multipart/"):
        boundary = headers.get_boundary()
        if not boundary or depth >= limits.MAX_DEPTH:
            return entity
        return head + _multipart(body, boundary.encode("utf-8", "surrogateescape"), depth=depth)
    if depth == 0 or ctype.startswith("text/") or ctype in _READ_TYPES:
        return entity
    if ctype in _MESSAGE_TYPES:
        inner_head, inner_body = _split_head(body)
        return head + inner_head + _cut(inner_body)
    return head + _cut(body)


def _multipart(body: bytes, boundary: bytes, *, depth: int) -> bytes:
    delimiter = re.compile(rb"(?m)^--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    out: list[bytes] = []
    pos = 0
    inside = False  # between an opening delimiter and the next one
    for m in delimiter.finditer(body):
        chunk = body[pos : m.start()]
        out.append(_part(chunk, depth=depth) if inside else chunk)
        out.append(m.group(0))
        pos = m.end()
        inside = m.group(1) is None
        if not inside:
            break
    rest = body[pos:]
    out.append(_part(rest, depth=depth) if inside else _cut(rest))
    return b"".join(out)


def _part(chunk: bytes, *, depth: int) -> bytes:
    """One body part between two delimiters. Its last line end belongs to the next delimiter: keep it."""
    trimmed = _entity(chunk, depth=depth + 1)
    if trimmed is chunk or trimmed == chunk:
        return chunk
    ending = b"\r\n" if chunk.endswith(b"\r\n") else b"\n" if chunk.endswith(b"\n") else b""
    if ending and not trimmed.endswith(ending):
        trimmed = trimmed.rstrip(b"\r\n") + ending
    return trimmed


def _cut(body: bytes) -> bytes:
    """The first PART_BODY_BYTES of a body, ending at a line end."""
    if len(body) <= PART_BODY_BYTES:
        return body
    end = body.rfind(b"\n", 0, PART_BODY_BYTES) + 1
    return body[: end or PART_BODY_BYTES]
