"""What to check for one message: its sending IPs, envelope and From domains, DKIM selectors.

For a bounce: the IPs the rejecting servers saw (failed/delayed recipients) and the returned
original's Return-Path, From and DKIM-Signature headers. A returned original rarely keeps its
Return-Path (it is added at final delivery), but the bounce itself is delivered to the original
envelope sender: its To: address then stands in. For any other message: the message's own sending
IP (its Received chain), Return-Path, From and DKIM-Signature headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr

from analyzer.ipaddr import is_public, normalize_ip
from analyzer.mime import parse
from analyzer.model import Analysis, Kind
from analyzer.textutil import header_str
from ndr.check.names import as_domain

MAX_SIGNATURES = 10  # DKIM-Signature headers read per message
MAX_IPS = 20  # sending IPs checked per message (a bounce may list many recipients)
_TAG = re.compile(r"(?:^|;)\s*([a-z]+)\s*=\s*([^;]*)", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFacts:
    """What a message says about its sender, with where each piece came from."""

    ips: tuple[tuple[str, str], ...] = ()  # (sending IP, where it was found)
    skipped_ips: tuple[tuple[str, str], ...] = ()  # (IP, why it is not checked: private, loopback, ...)
    envelope: str | None = None  # envelope sender domain
    envelope_source: str | None = None  # "Return-Path" | "To of the bounce"
    sender: str | None = None  # envelope sender address (for SPF's %{s} %{l})
    from_domain: str | None = None  # RFC 5322 From domain
    dkim: tuple[tuple[str, str], ...] = ()  # (d=, s=) of DKIM-Signature headers
    headers_seen: bool = False  # the original's headers were available (no DKIM-Signature then means unsigned)


def domain_of(address: str | None) -> str | None:
    """The domain of 'Name <user@Example.COM>' -> 'example.com'; None without one."""
    if not address:
        return None
    addr = parseaddr(address)[1] or address.strip().strip("<>")
    if "@" not in addr:
        return None
    return as_domain(addr.rpartition("@")[2].strip().strip(">"))


def dkim_signatures(msg: Message | None) -> tuple[tuple[str, str], ...]:
    """(d=, s=) of each DKIM-Signature header of `msg`, in order, without duplicates."""
    if msg is None:
        return ()
    found: list[tuple[str, str]] = []
    for raw in (msg.get_all("DKIM-Signature") or [])[:MAX_SIGNATURES]:
        tags = {k.lower(): re.sub(r"\s+", "", v) for k, v in _TAG.findall(header_str(raw))}
        d, s = as_domain(tags.get("d", "")), tags.get("s", "")
        if d and s:
            found.append((d, s))
    return tuple(dict.fromkeys(found))


def facts_of(analysis: Analysis, data: bytes) -> MessageFacts:
    """The sending IPs, domains and DKIM selectors to check for one analysed message."""
    ips: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for r in analysis.recipients:
        if r.sending_ip and r.action in ("failed", "delayed", None):
            where = f"sending IP of {r.recipient or 'a recipient'} ({r.sending_ip_source or 'report'})"
            _add_ip(r.sending_ip, where, ips, skipped)
    if analysis.kind is Kind.NOT_BOUNCE and analysis.sending_ip:
        _add_ip(analysis.sending_ip, "the message's Received headers", ips, skipped)
    parsed = parse(data)
    original = analysis.original
    if analysis.kind is Kind.NOT_BOUNCE or original is None:
        headers = parsed.msg if analysis.kind is Kind.NOT_BOUNCE else None
        return_path = header_str(parsed.msg.get("Return-Path")) if headers is not None else None
        from_ = analysis.from_ if headers is not None else None
        dkim = dkim_signatures(headers)
    else:
        headers = parsed.original
        return_path, from_ = original.return_path, original.from_
        dkim = original.dkim_selectors or dkim_signatures(headers)
    envelope_addr, envelope_source = return_path, "Return-Path" if return_path else None
    if domain_of(envelope_addr) is None and analysis.kind is not Kind.NOT_BOUNCE and original is not None:
        to = [a for _, a in getaddresses([analysis.to or ""]) if "@" in a]
        if len(to) == 1:
            envelope_addr, envelope_source = to[0], "To of the bounce (the envelope sender it was returned to)"
    envelope = domain_of(envelope_addr)
    return MessageFacts(
        ips=tuple(ips.items()),
        skipped_ips=tuple(skipped.items()),
        envelope=envelope,
        envelope_source=envelope_source if envelope else None,
        sender=parseaddr(envelope_addr or "")[1] or None if envelope else None,
        from_domain=domain_of(from_),
        dkim=dkim,
        headers_seen=headers is not None and bool(headers.keys()),
    )


def _add_ip(ip: str, where: str, ips: dict[str, str], skipped: dict[str, str]) -> None:
    norm = normalize_ip(ip)
    if norm is None or norm in ips:
        return
    if is_public(norm) and len(ips) >= MAX_IPS:
        skipped.setdefault(norm, f"more than {MAX_IPS} sending IPs in one message")
    elif is_public(norm):
        ips[norm] = where
    else:
        skipped.setdefault(norm, "not a public address: other networks never see it")
