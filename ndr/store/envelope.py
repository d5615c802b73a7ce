"""The returned original's envelope sender and From domain, as the store records them (pure).

SPF is evaluated for the envelope sender (MAIL FROM), not for the From header. A returned original
keeps its Return-Path only when it had been delivered somewhere before it bounced (rare); but a DSN
is itself sent to the original's envelope sender (RFC 3464: the null-sender report goes back to
MAIL FROM), so the bounce's own To, and the Delivered-To the final hop added, stand in for it.
`source` says which of the three it was, so that a reader can weigh it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr

from analyzer.model import Analysis, Kind

# Where the envelope sender came from (values of the store's `envelope_source`).
FROM_RETURN_PATH = "return-path"  # the returned original's Return-Path header
FROM_TO = "to"  # the bounce's To: the address the report was returned to
FROM_DELIVERED_TO = "delivered-to"  # the bounce's topmost Delivered-To: the mailbox it was delivered to

HEADER_BYTES = 64 * 1024  # a bounce's own header block is read up to this far for Delivered-To
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DELIVERED_TO = re.compile(rb"(?im)^delivered-to:[ \t]*([^\r\n]{1,512})")
_DOMAIN_LABELS = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """What the store keeps of a message's senders."""

    sender: str | None = None  # envelope sender address of the returned original, lowercased domain
    source: str | None = None  # FROM_RETURN_PATH | FROM_TO | FROM_DELIVERED_TO; None with no sender
    from_domain: str | None = None  # domain of the returned original's From, lowercase


NONE = Envelope()
_REPORTS = (Kind.BOUNCE, Kind.DELAY)  # messages sent back to the envelope sender


def address_of(value: str | None) -> str | None:
    """'Name <User@Example.ORG>' -> 'User@example.org'; None without a usable address (incl. '<>')."""
    if not value:
        return None
    addr = parseaddr(value)[1] or value.strip().strip("<>").strip()
    local, at, domain = addr.rpartition("@")
    domain = domain.strip().strip(">").rstrip(".").lower()
    if not at or not local or not _DOMAIN_LABELS.match(domain):
        return None
    return f"{local}@{domain}"


def domain_of(value: str | None) -> str | None:
    """The domain of an address or From value, lowercase; None without one."""
    addr = address_of(value)
    return addr.rpartition("@")[2] if addr else None


def envelope_of(analysis: Analysis, data: bytes) -> Envelope:
    """The envelope sender (Return-Path of the original, else the bounce's To, else its Delivered-To)
    and the original's From domain. Only for bounces and delays: other messages get NONE."""
    if analysis.kind not in _REPORTS:
        return NONE
    original = analysis.original
    from_domain = domain_of(original.from_) if original else None
    sender, source = address_of(original.return_path) if original else None, FROM_RETURN_PATH
    if sender is None:
        to = [a for _, a in getaddresses([analysis.to or ""]) if "@" in a]
        sender, source = (address_of(to[0]) if len(to) == 1 else None), FROM_TO
    if sender is None:
        sender, source = delivered_to(data), FROM_DELIVERED_TO
    return Envelope(sender=sender, source=source if sender else None, from_domain=from_domain)


def delivered_to(data: bytes) -> str | None:
    """The topmost Delivered-To of a message's own header block (not of a returned original)."""
    head = data[:HEADER_BYTES]
    end = _HEADER_END.search(head)
    m = _DELIVERED_TO.search(head, 0, end.start() if end else len(head))
    return address_of(m.group(1).decode("ascii", "replace")) if m else None
