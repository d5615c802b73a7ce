"""Received headers (RFC 5321 section 4.4) parsed into hops. Minimal first version."""

from __future__ import annotations

import re
from email.message import Message
from email.utils import parsedate_to_datetime

from analyzer import limits
from analyzer.ipaddr import normalize_ip
from analyzer.model import Hop
from analyzer.textutil import clip, header_str, unfold

_FROM = re.compile(r"\bfrom\s+(\S+)", re.I)
_BY = re.compile(r"\bby\s+(\S+)", re.I)
_WITH = re.compile(r"\bwith\s+([A-Za-z0-9_-]+)", re.I)
_ID = re.compile(r"\bid\s+<?([^\s;<>]+)>?", re.I)
_FOR = re.compile(r"\bfor\s+<?([^\s;<>]+@[^\s;<>]+)>?", re.I)
_BRACKET_IP = re.compile(r"[\[(]\s*(?:IPv6:)?([0-9A-Fa-f:.]+(?:%\w+)?)\s*[\])]")


def parse_received(value: str) -> Hop:
    """One Received header value into a Hop (no delay)."""
    raw = unfold(clip(header_str(value), limits.MAX_HEADER_CHARS))
    head, _, date = raw.rpartition(";")
    if not head:
        head, date = raw, ""
    by_at = re.search(r"\bby\s", head, re.I)
    from_part = head[: by_at.start()] if by_at else head
    from_ip = None
    for m in _BRACKET_IP.finditer(from_part):
        from_ip = normalize_ip(m.group(1))
        if from_ip:
            break
    f, b, w, i, fo = (_FROM.search(from_part), _BY.search(head), _WITH.search(head), _ID.search(head),
                      _FOR.search(head))
    return Hop(
        from_host=f.group(1).strip("()[]") if f else None,
        from_ip=from_ip,
        by_host=b.group(1).strip("()[];") if b else None,
        protocol=w.group(1) if w else None,
        id=i.group(1) if i else None,
        for_addr=fo.group(1) if fo else None,
        at=_iso(date),
        raw=raw,
    )


def _iso(date: str) -> str | None:
    date = date.strip()
    if not date:
        return None
    try:
        return parsedate_to_datetime(date).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def hops_of(msg: Message) -> tuple[Hop, ...]:
    """The Received chain of a message, oldest hop first."""
    values = msg.get_all("Received") or []
    values = values[: limits.MAX_RECEIVED]
    return tuple(parse_received(v) for v in reversed(values))
