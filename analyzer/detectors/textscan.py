"""Helpers shared by the detectors of human-readable bounce texts: addresses, sections, DSN merge.

Pure functions over bounded text; no detector logic here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from email.message import Message
from typing import Any

from analyzer.detectors.base import Found, from_dsn_recipient
from analyzer.dsn import DsnReport
from analyzer.mime import Parsed, headers_from_text
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy, literal_lower, may_match
from analyzer.smtp import find_status, is_unspecific

# An e-mail address, optionally in <>; group 1 is the address (no display names, no comments).
ADDRESS = lazy(r"<?([^\s<>@\"'(),;:\[\]]{1,128}@[A-Za-z0-9\[][A-Za-z0-9.\-:\]]{0,253}[A-Za-z0-9\]])>?")
# A header-field line at the start of a pasted header block.
_HEADER_LINE = lazy(r"^[A-Za-z][A-Za-z0-9-]{1,60}:[ \t]?\S", re.M)


def find_address(text: str | None) -> str | None:
    """The first address in text, without angle brackets, or None."""
    if not text or "@" not in text[:4096]:
        return None
    m = ADDRESS.search(text[:4096])
    return m.group(1).rstrip(".") if m else None


def split_at(text: str, markers: Sequence[str], lower: str | None = None) -> tuple[str, str | None]:
    """(text before the first marker, text after that marker's line) — markers are lowercase substrings.

    `lower` is text.lower() when the caller has it (Parsed.lower), to save lowercasing again.
    """
    low = lower if lower is not None and len(lower) == len(text) else text.lower()
    best = -1
    for marker in markers:
        i = low.find(marker)
        if i >= 0 and (best < 0 or i < best):
            best = i
    if best < 0:
        return text, None
    eol = text.find("\n", best)
    return text[:best], ("" if eol < 0 else text[eol + 1:])


def pasted_headers(text: str | None) -> Message[Any, Any] | None:
    """The header block at the start of text (after blank lines), parsed; None when it holds none."""
    if not text:
        return None
    body = text.lstrip("\r\n -")
    lines = body.splitlines()
    if not lines or not _HEADER_LINE.match(lines[0].lstrip("> ")):
        for i, line in enumerate(lines[:12]):  # allow a short preamble ("Original message headers:")
            if _HEADER_LINE.match(line):
                body = "\n".join(lines[i:])
                break
        else:
            return None
    msg = headers_from_text(body)
    return msg if len(msg) else None


# Longest line a detector reads (a reply is at most limits.MAX_DIAGNOSTIC_CHARS long anyway): keeps the
# line-oriented parsers and their regular expressions linear on hostile single-line bodies.
MAX_LINE = 4096


def lines(text: str) -> list[str]:
    """Lines of text without trailing white space (CRLF/CR/LF alike), each at most MAX_LINE characters."""
    return [line[:MAX_LINE].rstrip() for line in text.splitlines()]


def merge(from_text: Iterable[Found], dsn: DsnReport | None) -> tuple[Found, ...]:
    """Recipients read from a human-readable text, completed by the DSN part (or vice versa).

    The DSN's recipients and order win when it has any; the text adds what the DSN lacks: the SMTP
    command, a verdict, and a diagnostic that says more (a more specific status, or a longer text).
    """
    texts = list(from_text)
    if dsn is None or not dsn.recipients:
        return tuple(texts)
    by_addr = {(f.recipient or "").lower(): f for f in texts}
    out: list[Found] = []
    for i, r in enumerate(dsn.recipients):
        d = from_dsn_recipient(r)
        t = by_addr.get((d.recipient or "").lower())
        if t is None and len(texts) == len(dsn.recipients):
            t = texts[i]
        elif t is None and len(texts) == 1 and len(dsn.recipients) == 1:
            t = texts[0]
        out.append(d if t is None else combine(d, t))
    return tuple(out)


def combine(dsn: Found, text: Found) -> Found:
    """One recipient from its DSN block and its text block."""
    diagnostic = dsn.diagnostic
    if text.diagnostic and (not diagnostic or diagnostic.strip().isdigit() or _says_more(text.diagnostic, diagnostic)):
        diagnostic = text.diagnostic
    return replace(
        dsn,
        recipient=dsn.recipient if _is_address(dsn.recipient) or not text.recipient else text.recipient,
        diagnostic=diagnostic,
        status=dsn.status or text.status,
        replycode=dsn.replycode or text.replycode,
        remote_mta=dsn.remote_mta or text.remote_mta,
        command=dsn.command or text.command,
        reason=dsn.reason or text.reason,
        rule=dsn.rule or text.rule,
        evidence=dsn.evidence or text.evidence,
        action=dsn.action or text.action,
    )


def _is_address(value: str | None) -> bool:
    return bool(value) and "@" in (value or "") and not (value or "").lstrip().startswith(("|", "/"))


def _says_more(text: str, dsn: str) -> bool:
    t_status, d_status = find_status(text), find_status(dsn)
    if t_status and not is_unspecific(t_status) and is_unspecific(d_status):
        return True
    return len(text) > len(dsn) + 8 and _letters(dsn)[:32] in _letters(text)


_NOT_LETTERS = lazy(r"[\W_]+")


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text).lower()


def verdict(rules: Sequence[tuple[str, Reason, Regex]], text: str) -> tuple[Reason, str, str] | None:
    """(reason, rule id, evidence) of the first (id, reason, pattern) rule matching text."""
    low = literal_lower(text)
    for rule_id, reason, pattern in rules:
        if not may_match(pattern, low):
            continue
        m = pattern.search(text)
        if m:
            return reason, rule_id, m.group(0)
    return None


def with_verdict(found: Found, rules: Sequence[tuple[str, Reason, Regex]]) -> Found:
    """found with the detector's own verdict when one of its rules matches the diagnostic."""
    if found.reason is not None or not found.diagnostic:
        return found
    hit = verdict(rules, found.diagnostic)
    if hit is None:
        return found
    return replace(found, reason=hit[0], rule=hit[1], evidence=hit[2])


def body_text(p: Parsed) -> str:
    """The human-readable text of the report (text/plain parts, else HTML rendered)."""
    return p.text
