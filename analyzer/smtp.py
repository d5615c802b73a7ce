"""SMTP reply codes and RFC 3463 enhanced status codes found in text; diagnostic clean-up."""

from __future__ import annotations

import re

from analyzer import limits
from analyzer.textutil import unfold

# RFC 3463: class.subject.detail, each 1-3 digits; vendors use 3-digit details (5.7.606, 5.1.351).
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]|\.\d)")
_STATUS_EXACT = re.compile(r"\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY = re.compile(r"(?<![\d.\-])([245][0-5]\d)(?=[\s\-]|$)")
# A reply code at the start of a line, optionally followed by '-' or ' ' and a status code.
_LINE_CODE = re.compile(r"^\s*([245]\d\d)([ \-])(?:([245]\.\d{1,3}\.\d{1,3})\s?)?", re.M)


def normalize_status(value: str | None) -> str | None:
    """'5.1.1 (bad destination)' -> '5.1.1'; invalid -> None. Strips leading zeros of parts."""
    if not value:
        return None
    m = _STATUS_EXACT.match(value)
    if not m:
        return None
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def find_status(text: str | None) -> str | None:
    """The first RFC 3463 status code in free text, or None."""
    if not text:
        return None
    m = _STATUS.search(text[:4096])
    if not m:
        return None
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def find_replycode(text: str | None) -> str | None:
    """The first SMTP reply code (2xx/4xx/5xx) in free text, or None."""
    if not text:
        return None
    m = _REPLY.search(text[:4096])
    return m.group(1) if m else None


def join_reply_lines(text: str) -> str:
    """Join a multi-line SMTP reply into one sentence, keeping the first code and status.

    '550-5.7.1 [ip] Our system ... does\\n550-5.7.1 not meet ...\\n550 5.7.1 information. x - gsmtp'
    -> '550 5.7.1 [ip] Our system ... does not meet ... information. x - gsmtp'
    """
    text = text[: limits.MAX_DIAGNOSTIC_CHARS * 4]
    first: str | None = None
    out: list[str] = []
    matched_any = False
    for line in text.splitlines():
        m = _LINE_CODE.match(line)
        if m:
            matched_any = True
            rest = line[m.end():].strip()
            if first is None:
                first = m.group(1) + (" " + m.group(3) if m.group(3) else "")
                out.append(first + (" " + rest if rest else ""))
            else:
                out.append(rest)
        else:
            out.append(line.strip())
    joined = clean_diagnostic(text if not matched_any else " ".join(x for x in out if x))
    return joined or ""


_FIRST_CODE = re.compile(r"\b([245]\d\d)[ \-]([245]\.\d{1,3}\.\d{1,3})\s")


def clean_diagnostic(text: str | None) -> str | None:
    """Unfold a diagnostic, drop repeated inline '550-5.7.1' continuation codes, bound its length."""
    if text is None:
        return None
    text = unfold(text[: limits.MAX_DIAGNOSTIC_CHARS * 4])
    m = _FIRST_CODE.search(text[:200])
    if m:
        again = re.compile(r"\s" + m.group(1) + r"[ \-]" + re.escape(m.group(2)) + r"(?=\s)")
        head, tail = text[: m.end()], text[m.end():]
        if again.search(tail):
            tail = again.sub("", tail)
        if head[m.start() + 3] == "-":
            head = head[: m.start() + 3] + " " + head[m.start() + 4:]
        text = unfold(head + tail)
    if len(text) > limits.MAX_DIAGNOSTIC_CHARS:
        text = text[: limits.MAX_DIAGNOSTIC_CHARS] + "…"
    return text or None


def status_class(status: str | None) -> str | None:
    """'5.7.1' -> '5'."""
    return status[0] if status and status[0] in "245" else None
