"""The returned original: its headers read into an Original, and headers pasted into report text found.

A report returns the original as message/rfc822 or text/rfc822-headers (analyzer.mime finds those),
or pastes its headers into the human-readable text after a marker line. MARKERS lists the markers
seen in real reports; when none matches, a block of header lines that holds a Received, Message-ID,
Return-Path or DKIM-Signature header is taken (localized Exchange labels that are not listed).
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

from analyzer.headers.dates import iso_date
from analyzer.headers.facts import read_headers
from analyzer.mime import header_value, headers_from_text
from analyzer.model import Original
from analyzer.regex import Regex, lazy
from analyzer.textutil import clip, header_str

# Marker lines after which a report pastes the original's headers (matched on the stripped line).
# Sources: Exchange / Exchange Online "Original message headers:" and the new layout's
# "Original Message Headers" (../shared/reference/ndr-texts.md 3.3, corpus lhost-office365-*),
# German "Ursprüngliche Nachrichtenköpfe:" (ndr-texts.md 3.3); Exim "------ This is a copy of the
# message, including all the headers. ------" / "...of the message's headers"; qmail and Yahoo
# "--- Below this line is a copy of the message."; Sendmail "----- Original message follows -----"
# and "Message headers follow"; Google, Courier and others "----- Original message -----",
# "Below is a copy of the original message:", "Included is a copy of the message header:",
# "This report relates to a message you sent with the following header fields:" (all in
# ../shared/corpus/sisimai).
MARKERS: tuple[Regex, ...] = tuple(lazy(p, re.I) for p in (
    r"^original message headers\s*:?$",
    r"^ursprüngliche nachrichtenköpfe\s*:?$",
    r"^-*\s*this is a copy of (?:the|your) message(?:'s headers|, including all the headers)\.?\s*-*$",
    r"^-*\s*below this line is a copy of the message\.?\s*-*$",
    r"^-*\s*original message(?: follows)?\.?\s*-*$",
    r"^-*\s*(?:the )?header of the original message is following\.?\s*-*$",
    r"^message headers follow\.?:?$",
    r"^below is a copy of the original message:?$",
    r"^included is a copy of the message header:?$",
    r"^-*\s*original (?:mail|message)(?: info| as follows)?\s*:?-*$",
    r"^this report relates to a message you sent with the following header fields:?$",
    r"^-*\s*(?:unsent|returned) message(?: follows)?\s*-*$",
))
_HEADER_LINE = lazy(r"^[!-9;-~]{1,76}:")
_STRONG = lazy(r"^(?:received|message-id|return-path|dkim-signature|authentication-results|"
                     r"x-ms-exchange-[\w-]+|arc-seal):", re.I | re.M)
_KNOWN = lazy(r"^(?:received|message-id|return-path|from|to|cc|subject|date|dkim-signature|"
                    r"authentication-results|mime-version|content-type|x-[\w-]+|arc-[\w-]+|reply-to|sender):",
                    re.I)
_DKIM_TAG = lazy(r"(?:^|;)\s*([ds])\s*=\s*([^;\s]{1,255})")
MAX_PASTED_LINES = 400  # lines of one pasted header block read


def original_of(msg: Message[Any, Any]) -> Original:
    """An Original from a returned message or header block (all of its headers read)."""
    facts = read_headers(msg)
    domains, selectors = dkim_signatures(msg)
    return Original(
        message_id=_header(msg, "Message-ID"),
        from_=_header(msg, "From"),
        to=_header(msg, "To"),
        subject=_header(msg, "Subject"),
        date=iso_date(_header(msg, "Date")),
        return_path=_header(msg, "Return-Path"),
        hops=facts.hops,
        auth=facts.auth,
        antispam=facts.antispam,
        dkim_domains=domains,
        dkim_selectors=selectors,
    )


def dkim_signatures(msg: Message[Any, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(d= domains, (d=, s=) pairs) of the DKIM-Signature headers, in header order, without repeats."""
    domains: dict[str, None] = {}
    pairs: dict[tuple[str, str], None] = {}
    for value in (msg.get_all("DKIM-Signature") or [])[:20]:
        tags = {k.lower(): v for k, v in _DKIM_TAG.findall(clip(header_str(value), 4096).replace("\n", " "))}
        d = tags.get("d", "").lower()
        if d:
            domains[d] = None
            pairs[(d, tags.get("s", ""))] = None
    return tuple(domains), tuple(pairs)


def pasted_headers(text: str) -> Message[Any, Any] | None:
    """The original's headers pasted into a report's text, or None."""
    if not text:
        return None
    lines = text.splitlines()
    for n, line in enumerate(lines):
        stripped = line.strip()
        if stripped and len(stripped) < 120 and any(m.match(stripped) for m in MARKERS):
            block = _block_after(lines, n + 1)
            if block is not None:
                return headers_from_text(block)
    m = _STRONG.search(text)
    if m is None:
        return None
    start = text.count("\n", 0, m.start())
    while start > 0 and _HEADER_LINE.match(lines[start - 1]) and _KNOWN.match(lines[start - 1]):
        start -= 1
    block = _block_after(lines, start)
    return headers_from_text(block) if block is not None else None


def _block_after(lines: list[str], start: int) -> str | None:
    """The header block starting at lines[start] (blank lines before it skipped), if it holds known headers."""
    n = start
    while n < len(lines) and not lines[n].strip() and n - start < 5:
        n += 1
    block: list[str] = []
    known = 0
    for line in lines[n : n + MAX_PASTED_LINES]:
        if not line.strip():
            break
        if _HEADER_LINE.match(line):
            known += bool(_KNOWN.match(line))
            block.append(line)
        elif block:  # a continuation, indented or (re-wrapped by the reporting MTA) not
            block.append(" " + line.strip())
        else:
            break
    if known < 2 or not any(_STRONG.match(x) or x[:5].lower() in ("from:", "subje", "date:") for x in block):
        return None
    return "\n".join(block) + "\n"


def _header(msg: Message[Any, Any], name: str) -> str | None:
    value = header_value(msg.get(name))  # decoded, unfolded, within limits.MAX_HEADER_CHARS (plain ones directly)
    return (value or "")[:2000] or None
