"""From bytes to a `Parsed` view of a message: the parts a bounce analysis needs, decoded once.

The tree is the stdlib's compat32 one (design.md), built by analyzer.fastmime (the same tree, several
times faster), or by the stdlib parser itself where fastmime declines. Bounded by analyzer.limits;
every problem becomes a defect string, nothing raises.
"""

from __future__ import annotations

import email
import email.parser
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from analyzer import fastmime, limits
from analyzer.dsn import DsnReport, parse_dsn
from analyzer.indexed import IndexedMessage, header_fields
from analyzer.textutil import (
    ascii_superset,
    base64_problem,
    clip,
    decode_bytes,
    decode_escapes,
    decode_rfc2047,
    header_str,
    html_to_text,
)

_REPORT_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_ORIGINAL_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global", "message/partial"})
_ORIGINAL_HEADER_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"})
_FEEDBACK_TYPES = frozenset({"message/feedback-report"})


@dataclass(slots=True)
class Parsed:
    """A parsed message with its bounce-relevant parts pulled out. Built once per message."""

    msg: Message[Any, Any]  # the top-level compat32 message
    plain: list[str] = field(default_factory=list)  # decoded text/plain parts, in order (not attached originals)
    html: list[str] = field(default_factory=list)  # text/html parts (markup: rendered when `text` needs them)
    report: list[str] = field(default_factory=list)  # raw text of message/delivery-status parts
    feedback: list[str] = field(default_factory=list)  # raw text of message/feedback-report parts
    original: Message[Any, Any] | None = None  # the returned message (or its headers only)
    original_is_headers_only: bool = False  # True for text/rfc822-headers
    defects: list[str] = field(default_factory=list)
    truncated: bool = False  # the input was longer than limits.MAX_MESSAGE_BYTES
    # What detectors derive from this message and share (e.g. office365.is_exchange_ndr, asked by office365
    # and exchange2007): computed once per message, keyed by the deriving function's name.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    _headers: dict[str, str | None] = field(default_factory=dict)
    _text: str | None = None
    _lower: str | None = None
    _dsn: DsnReport | None = None
    _dsn_done: bool = False

    def header(self, name: str) -> str | None:
        """A top-level header, RFC 2047-decoded and unfolded; None when absent or empty."""
        key = name.lower()
        if key in self._headers:
            return self._headers[key]
        value = header_value(self.msg.get(key))
        self._headers[key] = value or None
        return value or None

    def raw_header(self, name: str) -> str:
        """A top-level header as raw text (not decoded), '' when absent. Cheap: for gating checks."""
        raw = self.msg.get(name)  # the first occurrence (an IndexedMessage: a dictionary lookup)
        return "" if raw is None else header_str(raw)

    @property
    def dsn(self) -> DsnReport | None:
        """The first message/delivery-status part that holds fields, parsed (cached)."""
        if not self._dsn_done:
            self._dsn_done = True
            for text in self.report:
                report = parse_dsn(text)
                if report is not None and (report.recipients or self._dsn is None):
                    self._dsn = report
                    if report.recipients:
                        break
        return self._dsn

    @property
    def text(self) -> str:
        """All human-readable body text: text/plain parts, else HTML rendered to text."""
        if self._text is None:
            parts = self.plain if any(p.strip() for p in self.plain) else [html_to_text(h) for h in self.html]
            self._text = clip("\n".join(parts), limits.MAX_TEXT_CHARS)
        return self._text

    @property
    def lower(self) -> str:
        """`text` lowercased (cached): for cheap substring gates (`p.lower.find(marker, 0, 3000)`)."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower


def header_value(raw: object) -> str | None:
    """A raw header value RFC 2047-decoded, unfolded and bounded (Parsed.header); None for None.

    A plain value (ASCII text without '=?', within the bound) is only unfolded: what header_str, clip and
    decode_rfc2047 give it (tests/test_mime.py: the same answer as the three, hypothesis)."""
    if raw is None:
        return None
    if raw.__class__ is str and raw.isascii() and "=?" not in raw and len(raw) <= limits.MAX_HEADER_CHARS:
        return " ".join(raw.split())
    return decode_rfc2047(clip(header_str(raw), limits.MAX_HEADER_CHARS))


def parse(data: bytes) -> Parsed:
    """Parse raw message bytes. Never raises; problems land in Parsed.defects."""
    defects: list[str] = []
    truncated = False
    if len(data) > limits.MAX_MESSAGE_BYTES:
        data = data[: limits.MAX_MESSAGE_BYTES]
        truncated = True
        defects.append(f"message longer than {limits.MAX_MESSAGE_BYTES} bytes: analysed the first part only")
    if b"\0" in data:
        data = data.replace(b"\0", b"")
        defects.append("NUL bytes removed")
    data = _cut_containers(data, defects)
    msg = _message(data, defects)
    head = _header_end(data) if not msg.is_multipart() else None
    if not msg.is_multipart():
        repaired = _repair_multipart(data, msg, head)
        if repaired is not None:
            msg = _message(repaired, defects)
            defects.append("multipart body without a usable Content-Type boundary: boundary taken from the body")
    parsed = Parsed(msg=msg, defects=defects, truncated=truncated)
    budget = [limits.MAX_PARTS]
    _collect(parsed, msg, depth=0, budget=budget, inside_original=False)
    if not msg.is_multipart() and not parsed.report:
        inner = _embedded_report(data, head)
        if inner is not None:  # a bounce pasted as text (forwarded inline, or re-sent by a list manager)
            parsed.defects.append("delivery report embedded in a text body: parsed the inner message")
            _collect(parsed, _message(inner, parsed.defects), depth=1, budget=budget, inside_original=False)
    for d in msg.defects:
        if not type(d).__name__.startswith("InvalidBase64"):  # recorded by decoding, in some Python versions:
            parsed.defects.append(_defect_name(d))  # _decoded records its own, for every text part
    if not header_fields(msg) and not msg.is_multipart() and not parsed.report:
        why = _no_text("\n".join(parsed.plain))
        if why is not None:  # nothing to analyse: the message is an error (analyze: no header, no text)
            parsed.defects.append(why)
            parsed.plain, parsed.html = [], []
    if _FORWARDED.match(parsed.header("Subject") or "") and any(">" in p for p in parsed.plain):
        parsed.plain = [_QUOTE.sub("", p) for p in parsed.plain]  # a bounce forwarded inline: unquote it
    return parsed


# The Content-Type line of a container part (multipart/*, message/*), folded or not, in the lowercased
# message: at its start, or after a LF (a literal prefix: a fast search, unlike ^ with re.I).
_CONTAINER = re.compile(rb"\ncontent-type:\s*(?:multipart|message)/")
_CONTAINER_AT_START = re.compile(rb"content-type:\s*(?:multipart|message)/")


def _cut_containers(data: bytes, defects: list[str]) -> bytes:
    """The message up to its (MAX_CONTAINERS + 1)-th container part: the stdlib parser takes time quadratic
    in the nesting of containers (each line is checked against every enclosing boundary)."""
    if data.count(b"/") <= limits.MAX_CONTAINERS:  # cheap: every container's Content-Type has a '/'
        return data
    low = data.lower()  # ASCII only, as re.I on bytes
    n = 1 if _CONTAINER_AT_START.match(low) else 0
    for m in _CONTAINER.finditer(low):
        if n == limits.MAX_CONTAINERS:
            defects.append(f"MIME nesting: more than {limits.MAX_CONTAINERS} multipart or message parts, "
                           "the rest of the message was not parsed")
            return data[: m.start() + 1]
        n += 1
    return data


USE_FASTMIME = True  # False: the stdlib parser only (bench/diffcheck.py paths compares the two)


def _message(data: bytes, defects: list[str]) -> Message[Any, Any]:
    try:
        msg = fastmime.message_from_bytes(data) if USE_FASTMIME else None
        return msg if msg is not None else email.message_from_bytes(data, _class=IndexedMessage)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser is not supposed to raise, but be sure
        defects.append(f"unparseable message: {type(exc).__name__}")
        return IndexedMessage()


_FORWARDED = re.compile(r"\s*(?:fwd?|tr|wg|rv|i)\s*:", re.I)
_QUOTE = re.compile(r"^[ \t]*>+[ \t]?", re.M)
# "--boundary" followed within a few lines by a part header: a multipart body whose top-level
# Content-Type is missing or lost its boundary (seen in Sendmail and Exim bounces).
_BODY_BOUNDARY = re.compile(rb"^--([^\s\-][^\r\n]{4,100}?|-[^\r\n]{4,100}?)[ \t]*\r?\n"
                            rb"(?:[^\r\n]*\r?\n){0,3}?content-(?:type|description|transfer-encoding):", re.M | re.I)


def _header_end(data: bytes) -> tuple[int, int] | None:
    """Start and end of the blank line after the header block: the first `\r?\n\r?\n` within the first
    MAX_HEADER_CHARS bytes (found with bytes.find: the regex tries every position), or None."""
    limit = limits.MAX_HEADER_CHARS
    if data.find(b"\r\n", 0, 1024) < 0:  # LF line ends: find that blank line first, then only before it
        lf = data.find(b"\n\n", 0, limit)
        crlf = data.find(b"\n\r\n", 0, limit if lf < 0 else lf + 2)
    else:
        crlf = data.find(b"\n\r\n", 0, limit)
        lf = data.find(b"\n\n", 0, limit if crlf < 0 else crlf + 1)
    if lf < 0 and crlf < 0:
        return None
    at, end = (lf, lf + 2) if crlf < 0 or 0 <= lf < crlf else (crlf, crlf + 3)
    return (at - 1 if at > 0 and data[at - 1] == 13 else at), end  # a CR before the first LF belongs to it

_CONTENT_TYPE_FIELD = re.compile(rb"^content-type:[^\n]*\n(?:[ \t][^\n]*\n)*", re.M | re.I)


_EMBEDDED_REPORT = re.compile(rb"^content-type:[ \t]*multipart/(?:report|mixed)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*",
                              re.M | re.I)
_HEADER_FIELD_LINE = re.compile(rb"^(?:[A-Za-z][A-Za-z0-9-]{0,60}:|[ \t]+\S|From )")


def _embedded_report(data: bytes, head: tuple[int, int] | None) -> bytes | None:
    """The bytes of a multipart message whose header block (ending at `head`, see _header_end) sits
    inside a text body, or None."""
    if head is None:
        return None
    body = head[1]
    found = data.find(b"ultipart/", body, body + 65536)
    if found < 0:
        return None  # cheap pre-check before the regex (which starts on the line of that word)
    m = _EMBEDDED_REPORT.search(data, data.rfind(b"\n", body, found) + 1 or body, body + 65536)
    if m is None or b"boundary" not in m.group(0).lower():
        return None
    lines = data[body: m.start()].splitlines(keepends=True)
    start = m.start()
    for line in reversed(lines):  # walk back to the first line of the embedded header block
        if not _HEADER_FIELD_LINE.match(line):
            break
        start -= len(line)
    return data[start:]


def _first_line_match(pattern: re.Pattern[bytes], data: bytes, prefix: bytes, start: int,
                      end: int) -> re.Match[bytes] | None:
    """pattern.search(data, start, end) for a pattern `^prefix...` (re.M) from a line start: tried only
    where a line starts with the prefix (search runs the pattern at every byte)."""
    probe = b"\n" + prefix
    at = start if data.startswith(prefix, start) else _after(data.find(probe, start, end))
    while at >= 0:
        m = pattern.match(data, at, end)
        if m is not None:
            return m
        at = _after(data.find(probe, at, end))
    return None


def _after(found: int) -> int:
    """The line start after a LF found at `found` (-1: none found)."""
    return -1 if found < 0 else found + 1


def _repair_multipart(data: bytes, msg: Message[Any, Any], end: tuple[int, int] | None) -> bytes | None:
    """Bytes with a multipart Content-Type whose boundary is taken from the body, or None.
    `end`: where the header block ends (_header_end)."""
    ctype = msg.get_content_type()
    if msg.get("Content-Type") is not None and not ctype.startswith("multipart/") and ctype != "text/plain":
        return None
    if end is None or data.find(b"\n--", end[0], end[1] + 1024) < 0:
        return None
    if b"content-" not in data[end[1]: end[1] + 1024].lower():
        return None  # every match of _BODY_BOUNDARY lies in that window and holds this text (re.I: ASCII only)
    m = _first_line_match(_BODY_BOUNDARY, data, b"--", end[1], end[1] + 1024)
    if m is None or data.count(b"--" + m.group(1).rstrip(), m.end()) == 0:
        return None  # the boundary must open the body (after at most a short preamble) and recur
    boundary = m.group(1).rstrip().decode("ascii", "replace").replace('"', "")
    head = _CONTENT_TYPE_FIELD.sub(b"", data[: end[0]] + b"\n")
    field = f'Content-Type: multipart/mixed; boundary="{boundary}"\n'.encode()
    return head + field + data[end[0]:]


# Characters that do not occur in text: C0 controls but TAB, LF, FF, CR and ESC (ISO-2022 escapes), DEL,
# and U+FFFD (bytes the charset could not decode). NULs were removed before the parse (a defect).
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f\ufffd]")
NOT_TEXT_SHARE = 0.05  # a body with at least this share of such characters (in its first TEXT_SAMPLE) is binary
TEXT_SAMPLE = 4096


def _no_text(text: str) -> str | None:
    """Why the body of a message without any header field gives nothing to analyse, or None when it is
    text (a headerless text bounce is still read)."""
    if not text.strip():
        return "no header fields and no text: nothing to analyse"
    sample = text[:TEXT_SAMPLE]
    bad = len(_NOT_TEXT.findall(sample))
    if bad < NOT_TEXT_SHARE * len(sample):
        return None
    return (f"no header fields and the body is not text ({bad * 100 // len(sample)}% control characters "
            "or undecodable bytes): nothing to analyse")


def _defect_name(defect: object) -> str:
    name = type(defect).__name__
    return {
        "StartBoundaryNotFoundDefect": "multipart start boundary not found",
        "CloseBoundaryNotFoundDefect": "multipart close boundary not found",
        "MissingHeaderBodySeparatorDefect": "missing blank line between headers and body",
        "FirstHeaderLineIsContinuationDefect": "first header line is a continuation",
        "MisplacedEnvelopeHeaderDefect": "misplaced envelope From line",
        "MultipartInvariantViolationDefect": "multipart content type without parts",
        "NoBoundaryInMultipartDefect": "multipart without boundary",
        "InvalidBase64PaddingDefect": "invalid base64 padding",
        "InvalidBase64CharactersDefect": "invalid base64 characters",
        "InvalidBase64LengthDefect": "invalid base64 length",
    }.get(name, name)


def _collect(parsed: Parsed, part: Message[Any, Any], *, depth: int, budget: list[int], inside_original: bool) -> None:
    """Walk the MIME tree once, bounded in parts and depth."""
    if budget[0] <= 0:
        if budget[0] == 0:
            parsed.defects.append(f"more than {limits.MAX_PARTS} MIME parts: the rest were skipped")
            budget[0] = -1
        return
    budget[0] -= 1
    if depth > limits.MAX_DEPTH:
        parsed.defects.append(f"MIME nesting deeper than {limits.MAX_DEPTH}: inner parts skipped")
        return
    ctype = part.get_content_type()
    maintype = ctype.split("/", 1)[0]
    if ctype in _REPORT_TYPES:
        parsed.report.append(_structured_text(parsed, part))
        return
    if ctype in _FEEDBACK_TYPES:
        parsed.feedback.append(_structured_text(parsed, part))
        return
    if ctype in _ORIGINAL_MESSAGE_TYPES:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        if inner is not None and not inside_original and not parsed.report and _is_report(inner):
            parsed.defects.append("the delivery report is an attached message (re-wrapped by a gateway)")
            _collect(parsed, inner, depth=depth + 1, budget=budget, inside_original=False)
            return
        if parsed.original is None and inner is not None:
            parsed.original = inner
        elif parsed.original is None and isinstance(payload, str):
            parsed.original = _headers_from_text(_decoded(parsed, part))
        return  # the returned message's own body is not the report's text
    if ctype in _ORIGINAL_HEADER_TYPES:
        if parsed.original is None:
            parsed.original = _headers_from_text(_decoded(parsed, part))
            parsed.original_is_headers_only = True
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _collect(parsed, sub, depth=depth + 1, budget=budget, inside_original=inside_original)
        return
    if maintype == "text" or (maintype == "multipart" and not part.is_multipart()):
        if ctype != "text/plain" and "content-disposition" in part and part.get_filename():
            return
        text = _decoded(parsed, part)
        if ctype == "text/html":
            parsed.html.append(text)
        else:
            parsed.plain.append(text)


def _is_report(msg: Message[Any, Any]) -> bool:
    return msg.get_content_type() == "multipart/report" and msg.get_param("report-type") in (
        "delivery-status", "global-delivery-status")


def _decoded(parsed: Parsed, part: Message[Any, Any]) -> str:
    """The decoded text of a leaf part, bounded; charset problems recorded as defects."""
    text = _ascii_text(part)
    if text is not None:
        if len(text) > limits.MAX_PART_DECODE_BYTES:
            parsed.defects.append(f"text part longer than {limits.MAX_PART_DECODE_BYTES} bytes: truncated")
            return text[: limits.MAX_PART_DECODE_BYTES]
        return text
    return _decoded_bytes(parsed, part)


def _ascii_text(part: Message[Any, Any]) -> str | None:
    """The payload itself when decoding could not change it: ASCII text in no transfer encoding that
    get_payload(decode=True) decodes, labelled with a charset that reads ASCII as ASCII. Else None."""
    raw = part._payload  # type: ignore[attr-defined]
    if not isinstance(raw, str) or not raw.isascii():
        return None
    if str(part.get("content-transfer-encoding", "")).lower() in _TRANSFER_DECODED:
        return None
    charset = part.get_param("charset")
    return raw if ascii_superset(charset if isinstance(charset, str) else None) else None


def _decoded_bytes(parsed: Parsed, part: Message[Any, Any]) -> str:
    """_decoded through get_payload(decode=True) and decode_bytes."""
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - decoding hostile transfer encodings
        parsed.defects.append(f"undecodable part ({type(exc).__name__})")
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(data, bytes):
        return ""
    if str(part.get("content-transfer-encoding", "")).lower() == "base64":  # what get_payload decoded
        problem = base64_problem(_payload_bytes(part))
        if problem is not None:
            parsed.defects.append(f"invalid base64 in a text part: {problem}")
    if len(data) > limits.MAX_PART_DECODE_BYTES:
        data = data[: limits.MAX_PART_DECODE_BYTES]
        parsed.defects.append(f"text part longer than {limits.MAX_PART_DECODE_BYTES} bytes: truncated")
    charset = part.get_param("charset")
    label = charset if isinstance(charset, str) else None
    text, bad = decode_bytes(data, label)
    if bad:
        parsed.defects.append(f"text not decodable as declared charset {label!r}")
    return text


# The transfer encodings Message.get_payload(decode=True) decodes (compared lowercased, unstripped).
_TRANSFER_DECODED = ("quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue")


def _payload_bytes(part: Message[Any, Any]) -> bytes:
    """A leaf's payload as the bytes get_payload(decode=True) decodes (get_payload() without decode
    re-decodes 8-bit text with the declared charset)."""
    raw = part._payload  # type: ignore[attr-defined]
    if not isinstance(raw, str):
        return raw if isinstance(raw, bytes) else b""
    try:
        return raw.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # characters, not bytes (a message parsed from text)
        return raw.encode("raw-unicode-escape")


def _structured_text(parsed: Parsed, part: Message[Any, Any]) -> str:
    """Raw text of a message/delivery-status or feedback-report part (header blocks)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # compat32 parses each block as a header-only Message
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                fetch: Any = block.policy.header_fetch_parse  # as items() does, for the 8-bit values only
                lines = [f"{k}: {v if isinstance(v, str) and v.isascii() else header_str(fetch(k, v))}"
                         for k, v in header_fields(block)]
                body = block._payload  # type: ignore[union-attr]
                if not (isinstance(body, str) and body.isascii()):
                    body = block.get_payload()  # an ASCII text is returned as it is (no surrogates to decode)
                if isinstance(body, str) and body.strip():
                    lines.append(body)  # text that did not look like a field
                blocks.append("\n".join(lines))
        text = "\n\n".join(blocks)
        cte = str(part.get("content-transfer-encoding", "")).lower()
        if cte in ("base64", "quoted-printable") and ":" not in text[:200]:
            text = _decoded(parsed, part)
    else:
        text = _decoded(parsed, part)
    return clip(decode_escapes(text), limits.MAX_DSN_CHARS)


_header_parser = email.parser.HeaderParser(_class=IndexedMessage)


def _headers_from_text(text: str) -> Message[Any, Any]:
    """Parse a header block given as text (text/rfc822-headers, pasted headers)."""
    text = text.lstrip("\r\n")
    end = text.find("\n\n", 0, limits.MAX_HEADER_CHARS * 4)  # the header block only: the body is not needed
    block = text[:end + 1] if end >= 0 else clip(text, limits.MAX_HEADER_CHARS * 4)
    msg = fastmime.parse_text(block, headers_only=True) if USE_FASTMIME else None
    return msg if msg is not None else _header_parser.parsestr(block)


def headers_from_text(text: str) -> Message[Any, Any]:
    """Public form of _headers_from_text, for detectors that find pasted original headers."""
    return _headers_from_text(text)
