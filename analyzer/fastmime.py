"""A fast parse of raw mail into the same `email.message.Message` tree as the stdlib's compat32 parser.

The stdlib feed parser reads a message line by line through generators and checks every line against
every enclosing boundary: most of the time of a bounce analysis went there. This module builds the same
tree (headers, unixfrom, preamble, epilogue, payloads, default types and defects) from the text as a
whole: a header block is one regular expression match, a body is one slice up to the next line that ends
it (found with str.find, each boundary's next occurrence remembered, so the search is linear in the
input), and it mirrors the feed parser's rules one by one (see email/feedparser.py: _parsegen,
_parse_headers, the end-of-part predicates, the newline trimming before a boundary).

It declines (returns None) on what it does not mirror, and the caller then uses the stdlib parser for
the whole message: a lone CR line ending (the stdlib splits lines at CR, CRLF and LF), a first header
line that is a continuation, a `From ` line after the first header line, a header line starting with a
colon, a boundary holding a line break, a delivery-status block declaring a multipart or message type,
nesting deeper than MAX_NESTING; and on any exception (a Message method it calls on a broken header
raised: the stdlib parser calls the same). tests/test_fastmime.py proves the trees equal on the corpus, the golden
samples, the demo generator's mail and mutated inputs.
"""

from __future__ import annotations

import re
from email import errors
from email.message import Message
from email.utils import unquote
from typing import Any

from analyzer.indexed import ASK, IndexedMessage, header_fields, plain_param

MAX_NESTING = 200  # messages nested inside each other (the caller cuts containers at limits.MAX_CONTAINERS)

# A run of header lines, each complete with its LF: `name:` or a continuation (the stdlib's headerRE
# without its `From ` alternative; a line starting with ':' also ends the run: both make the caller decline).
_HEADER_LINES = re.compile(r"(?:(?:[\041-\071\073-\176]++:|[ \t])[^\n]*+\n)*+")
_HEADER_START = re.compile(r"[\041-\071\073-\176]+:|[ \t]")  # a last header line without its LF
_STDLIB_HEADER = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")  # email.feedparser.headerRE
# One field: its name, and its value with the spaces after the colon dropped (compat32's
# header_source_parse: lstrip(' \t') of the first line, the continuation lines appended as they are),
# without its last LF (header_source_parse's rstrip('\r\n'): nothing more to strip in text without a CR;
# with CRLF line ends one CR: a lone CR was declined, and a line of its own would be a blank line). It runs
# over lines _HEADER_LINES (or _HEADER_START) accepted, each a name of those characters and a colon, or a
# continuation: the name is simply everything up to the first colon.
_FIELD = re.compile(r"([^:]++):[ \t]*+([^\n]*+(?:\n[ \t][^\n]*+)*+)\n?")
# What follows `--boundary` on a boundary line: an optional `--` (the close), blanks, the line's end.
_SEP_TAIL = re.compile(r"(--)?[ \t]*(?:\r?\n|\Z)")


def _content_type(value: str) -> str | None:
    """Message.get_content_type() for a plain ASCII Content-Type value (else None: ask the Message)."""
    if not value.isascii():
        return None  # 8-bit bytes make compat32 return a Header object
    ctype = value.partition(";")[0].strip().lower()
    return ctype if ctype.count("/") == 1 else "text/plain"


class _Decline(Exception):
    """The input has a shape this parser does not mirror: the caller uses the stdlib parser."""


def message_from_bytes(data: bytes) -> Message[Any, Any] | None:
    """email.message_from_bytes(data, _class=IndexedMessage) (policy compat32), or None when declined."""
    return parse_text(data.decode("ascii", "surrogateescape"))


def parse_text(text: str, *, headers_only: bool = False) -> Message[Any, Any] | None:
    """The compat32 Parser's parsestr(text, headersonly) with IndexedMessage, or None when declined."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone CR ends a line for the stdlib
    parser = _Parser(text, headers_only)
    try:
        root, _ = parser.message(0, (), blank=False, digest=False, depth=0)
    except _Decline:
        return None
    except Exception:  # noqa: BLE001 - e.g. the stdlib's get_boundary on a broken RFC 2231 parameter list:
        return None  # the stdlib parser then meets the same problem, and the caller records it
    if not headers_only and root.get_content_maintype() == "multipart" and not root.is_multipart():
        root.defects.append(errors.MultipartInvariantViolationDefect())
    return root


def _boundary(value: str) -> str | None:
    """Message.get_boundary() from a plain Content-Type value (collapse_rfc2231_value of a string only
    unquotes it); ASK when the value is not a plain parameter list."""
    found = plain_param(value, "boundary")
    return found if found is None or found is ASK else unquote(found).rstrip()


def _transfer_encoding(msg: Message[Any, Any]) -> str:
    """str(msg.get('content-transfer-encoding', '8bit')).lower(), for a multipart's check."""
    for name, field in header_fields(msg):
        if len(name) == 25 and name.lower() == "content-transfer-encoding":
            return (field if field.__class__ is str and field.isascii() else str(msg.get(name))).lower()
    return "8bit"


def _strip_eol(value: str) -> str:
    """The value without one trailing line break (the feed parser's NLCRE_eol trim)."""
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith(("\n", "\r")):
        return value[:-1]
    return value


class _Parser:
    """One parse: the text, the next-occurrence memory of each boundary, and the last message made."""

    __slots__ = ("cr", "headers_only", "last", "last_multipart", "n", "seen", "text")

    def __init__(self, text: str, headers_only: bool) -> None:
        self.text = text
        self.n = len(text)
        self.cr = "\r" in text  # CRLF line ends (or some): header values end with a CR to drop
        self.headers_only = headers_only
        self.last: Message[Any, Any] | None = None  # the feed parser's _last: the most recently created message
        self.last_multipart = False  # whether that message is a multipart
        self.seen: dict[str, tuple[int, int]] = {}  # needle -> (searched from, first line start found)

    # -- lines that end a part -------------------------------------------------------------------------

    def _line_end(self, pos: int) -> int:
        i = self.text.find("\n", pos)
        return self.n if i < 0 else i + 1

    def _sep_kind(self, pos: int, sep: str) -> int:
        """At line start `pos`: 1 for `sep` as an open boundary line, 2 as a close one, 0 for neither."""
        if not self.text.startswith(sep, pos):
            return 0
        m = _SEP_TAIL.match(self.text, pos + len(sep))
        if m is None:
            return 0
        return 2 if m.group(1) else 1

    def _next(self, needle: str, pos: int) -> int:
        """The first line start >= pos where `needle` starts a matching line (a boundary `--b`, or the
        two blank-line forms); self.n when none. Each needle's answer is remembered: positions only grow
        during a parse, so every needle's occurrences are read once (linear, whatever the nesting)."""
        known = self.seen.get(needle)
        if known is not None and known[0] <= pos <= known[1]:
            return known[1]
        text, n = self.text, self.n
        found = n
        if needle in ("\n", "\r\n"):  # a blank line
            if text.startswith(needle, pos) and (pos == 0 or text[pos - 1] == "\n"):
                found = pos
            else:
                i = text.find("\n" + needle, pos - 1 if pos else 0)
                found = n if i < 0 else i + 1
        elif pos == 0 and self._sep_kind(0, needle):
            found = 0
        else:
            probe = "\n" + needle
            i = text.find(probe, pos - 1 if pos else 0)
            while i >= 0:
                if self._sep_kind(i + 1, needle):
                    found = i + 1
                    break
                i = text.find(probe, i + 1)
        self.seen[needle] = (pos, found)
        return found

    def _eof(self, pos: int, seps: tuple[str, ...], blank: bool) -> int:
        """The first line start >= pos that the feed parser's end-of-part predicates stop at, else n."""
        if pos >= self.n:
            return self.n
        end = self.n
        if blank:
            end = min(self._next("\n", pos), self._next("\r\n", pos))
        for sep in seps:
            end = min(end, self._next(sep, pos))
        return end

    # -- one message -----------------------------------------------------------------------------------

    def message(self, pos: int, seps: tuple[str, ...], *, blank: bool, digest: bool,
                depth: int) -> tuple[IndexedMessage, int]:
        """Parse the message starting at `pos` up to the end of its part; (message, position after it)."""
        if depth > MAX_NESTING:
            raise _Decline
        msg = IndexedMessage()
        if digest:
            msg.set_default_type("message/rfc822")
        self.last = msg
        eof = self._eof(pos, seps, blank) if seps or blank else self.n  # where this part ends
        pos = self._headers(msg, pos, eof)
        text = self.text
        if self.headers_only:
            msg._payload = text[pos:]  # type: ignore[attr-defined]
            return msg, self.n
        value: str | None = None
        for name, field in msg._headers:
            if len(name) == 12 and name.lower() == "content-type":
                value = field
                break
        ctype = msg.get_default_type() if value is None else _content_type(value)
        if ctype is None:
            ctype = msg.get_content_type()
        else:
            msg.remember_content_type(ctype)
        maintype = ctype.partition("/")[0]
        self.last_multipart = maintype == "multipart"
        if blank and (maintype in ("message", "multipart")):
            raise _Decline  # a delivery-status block that declares a container type
        if ctype == "message/delivery-status":
            return msg, self._delivery_status(msg, pos, eof, seps, depth)
        if maintype == "message":
            child, end = self.message(pos, seps, blank=False, digest=False, depth=depth + 1)
            msg._payload = [child]  # type: ignore[attr-defined]
            return msg, end
        if maintype == "multipart":
            return msg, self._multipart(msg, pos, eof, value=value, digest=ctype == "multipart/digest", seps=seps,
                                        depth=depth)
        msg._payload = text[pos:eof]  # type: ignore[attr-defined]
        return msg, eof

    def _headers(self, msg: Message[Any, Any], pos: int, eof: int) -> int:
        """Read the header block at `pos` into msg (the feed parser's header loop and _parse_headers);
        returns where the body starts. `eof`: the first line that ends the part."""
        text, n = self.text, self.n
        if pos < eof and text.startswith("From ", pos):  # the first header line: the envelope (unixfrom)
            end = self._line_end(pos)
            msg.set_unixfrom(_strip_eol(text[pos:end]))
            pos = end
        lines = _HEADER_LINES.match(text, pos, eof)  # always matches (maybe nothing)
        end = lines.end() if lines else pos
        if end < eof and eof == n and text.find("\n", end) < 0 and _HEADER_START.match(text, end):
            end = n  # the last line of the input is a header line without its line break
        if end > pos:
            if text[pos] in " \t":
                raise _Decline  # FirstHeaderLineIsContinuationDefect
            fields: list[tuple[str, str]] = _FIELD.findall(text, pos, end)
            if self.cr:
                fields = [(name, value[:-1] if value.endswith("\r") else value) for name, value in fields]
            msg._headers = fields  # type: ignore[attr-defined]
        if end >= eof:
            return end  # the part (or the input) ends after the header lines
        if text[end] == "\n" or text.startswith("\r\n", end):
            return self._line_end(end)  # the blank line between headers and body
        if _STDLIB_HEADER.match(text, end):
            raise _Decline  # a `From ` line after the first, or a line starting with ':'
        msg.defects.append(errors.MissingHeaderBodySeparatorDefect())
        return end

    def _delivery_status(self, msg: Message[Any, Any], pos: int, end: int, seps: tuple[str, ...], depth: int) -> int:
        """message/delivery-status: header blocks separated by blank lines, each a header-only message.
        `end`: where the part ends (every block ends at a blank line, at `end` or before)."""
        blocks: list[Message[Any, Any]] = []
        msg._payload = blocks  # type: ignore[attr-defined]
        while True:
            block, pos = self.message(pos, seps, blank=True, digest=False, depth=depth + 1)
            blocks.append(block)
            if pos < end:
                pos = self._line_end(pos)  # the blank line after the block
            if pos >= end:
                return pos

    def _multipart(self, msg: Message[Any, Any], pos: int, end: int, *, value: str | None, digest: bool,
                   seps: tuple[str, ...], depth: int) -> int:
        """The multipart body from `pos` to `end` (the part's end: every line that ends it, enclosing
        boundaries, also ends each of its parts, so no parse here goes past it)."""
        text = self.text
        boundary = _boundary(value) if value is not None else ASK
        if boundary is ASK:
            boundary = msg.get_boundary()
        if boundary is None:
            msg.defects.append(errors.NoBoundaryInMultipartDefect())
            msg._payload = text[pos:end]  # type: ignore[attr-defined]
            return end
        if "\n" in boundary or "\r" in boundary:
            raise _Decline
        if _transfer_encoding(msg) not in ("7bit", "8bit", "binary"):
            msg.defects.append(errors.InvalidMultipartContentTransferEncodingDefect())
        sep = "--" + boundary
        at = self._next(sep, pos)
        if at >= end or self._sep_kind(at, sep) == 2:  # no start boundary before the part ends
            msg.defects.append(errors.StartBoundaryNotFoundDefect())
            # the text before the close boundary is the payload, the rest of the part is dropped
            msg._payload = text[pos:min(at, end)]  # type: ignore[attr-defined]
            msg.epilogue = ""
            return end
        if at > pos:
            msg.preamble = _strip_eol(text[pos:at])
        parts: list[Message[Any, Any]] = []
        msg._payload = parts  # type: ignore[attr-defined]
        inner = (*seps, sep)
        while True:  # `at` is an open boundary line of this multipart
            at = self._line_end(at)
            while at < end and self._sep_kind(at, sep):
                at = self._line_end(at)  # repeated boundary lines give no empty parts
            part, at = self.message(at, inner, blank=False, digest=digest, depth=depth + 1)
            parts.append(part)
            self._trim_last()
            self.last = msg
            self.last_multipart = True
            if at >= end:
                msg.defects.append(errors.CloseBoundaryNotFoundDefect())
                return end
            kind = self._sep_kind(at, sep)
            if kind == 0:
                raise _Decline  # not reached: a part ends at an enclosing boundary, its own, or the end
            if kind == 2:
                start = self._line_end(at)
                msg.epilogue = text[start:end]
                return end

    def _trim_last(self) -> None:
        """The line break before a boundary belongs to the boundary: trim it from the last message made."""
        last = self.last
        assert last is not None
        if self.last_multipart:
            epilogue = last.epilogue
            if epilogue == "":
                last.epilogue = None
            elif epilogue is not None:
                last.epilogue = _strip_eol(epilogue)
        else:
            payload = last._payload  # type: ignore[attr-defined]
            if isinstance(payload, str):
                last._payload = _strip_eol(payload)  # type: ignore[attr-defined]
