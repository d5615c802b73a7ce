"""The sending IP: the address the rejecting (or receiving) server saw, and where ndr read it.

For a failed recipient, in order:
1. the detector's explicit field (a format that states the client IP),
2. the refusal text (DIAGNOSTIC_PATTERNS below), never the rejecting server's own address
   ("host mx.example.com[192.0.2.1] said: ..."),
3. the returned original's Received chain, when the report came from the receiving side: the hop
   by which a server of the rejecting/reporting side took the message from another organisation.
For a message that is not a report (not_bounce): the IP that handed it to the first receiving server
that recorded authentication results (the topmost Authentication-Results' authserv-id), else the
connecting IP Exchange Online recorded (X-Forefront-Antispam-Report CIP), else the IP an SPF
verdict names, else the newest outbound hop.
Internal hops are never the sending IP: private, loopback, link-local, CGNAT, Microsoft's internal
2603:10xx:: hops between Exchange Online servers, and submission hops (mapi, HTTP(S), LMTP, local,
authenticated ESMTPA/ESMTPSA: RFC 3848).
"""

from __future__ import annotations

import re

from analyzer.ipaddr import is_microsoft_internal, is_public, normalize_ip
from analyzer.model import AntiSpam, AuthResult, Hop, Original
from analyzer.regex import Regex, lazy, literal_lower, may_match

_IP = r"(?:IPv6:)?([0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{2,41}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:]|\.\d)"
_PAD = r"(?:\s+\d{1,4})?\s*"  # Gmail pads the bracketed address with spaces and a session number

# (rule id, pattern): group 1 is the address. Most specific first. Sources:
# Gmail: support.google.com/a/answer/3726730 and real bounces quoted in ndr-texts.md 3.1 / 3.5
# ("550-5.7.1 [2a01:4f8:212:27c8::2] Our system...", "[2607:fc50:1000:1f00::2      16]");
# Microsoft: ndr-texts.md 3.2 ("banned sending IP [..]", "messages from [..] weren't sent",
# "the sending IPv6 address [..] must have a reverse DNS record", "sent over IPv6 [..]");
# Postfix: postconf(5) reject_rbl_client / reject_unknown_client_hostname texts ("Client host [..]
# blocked using ...", "Client host rejected: cannot find your hostname, [..]"); Yahoo: "[TSS04]
# Messages from 192.0.2.1 temporarily deferred"; SPF: RFC 7208 9.1 "client-ip="; block list
# lookup links (check.spamhaus.org/query/ip/.., ?ip=..).
DIAGNOSTIC_PATTERNS: tuple[tuple[str, Regex], ...] = (
    ("diagnostic.reply-bracket", lazy(r"\b[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\s+)?\[\s*" + _IP + _PAD + r"\]")),
    ("diagnostic.banned-ip", lazy(r"banned sending ip\s*\[\s*" + _IP, re.I)),
    ("diagnostic.ipv6-address", lazy(r"(?:sending ipv6 address|sent over ipv6|over ipv6)\s*\[\s*" + _IP, re.I)),
    ("diagnostic.client-host", lazy(r"client host\s*\[\s*" + _IP, re.I)),
    ("diagnostic.unknown-hostname", lazy(r"cannot find your (?:reverse )?hostname,?\s*\[\s*" + _IP, re.I)),
    ("diagnostic.messages-from", lazy(r"\b(?:messages|mail|connections?|traffic) from\s*\[?\s*" + _IP, re.I)),
    ("diagnostic.ip-equals", lazy(r"\bIP\s*=\s*\[?" + _IP)),
    ("diagnostic.client-ip", lazy(r"\bclient[ _-]?ip(?: address)?\s*[=:]?\s*\[?\s*" + _IP, re.I)),
    ("diagnostic.your-ip", lazy(r"\b(?:your|sending|sender|source|connecting|client) (?:ip|host|address)"
                                      r"(?: address)?(?: is| of| was)?\s*[:=]?\s*\[?\s*" + _IP, re.I)),
    ("diagnostic.ip-listed", lazy(r"\[?" + _IP + r"\]?\s+(?:is |was |has been |is currently )?"
                                        r"(?:listed|blacklisted|blocklisted|blocked|found on|on our block)", re.I)),
    ("diagnostic.lookup-link", lazy(r"(?:[?&]ip=|/query/ip/|/lookup/ip/|/ip/)" + _IP, re.I)),
)
_ANY_BRACKET_IP = lazy(r"\[\s*" + _IP + _PAD + r"\]")
_ANY_IP = lazy(_IP)
# What every match of _IP holds: IPv6 ":" and two of its characters, IPv4 a digit, three dots between digits.
# A text without it names no address: none of the patterns above can match (checked first, one pass).
_IP_LIKE = lazy(r"\d\.\d{1,3}\.\d{1,3}\.\d|:[0-9A-Fa-f:.]{2}")
_FIRST_REPLY = lazy(r"\b[245]\d\d[ -]")
# A bracketed address right after a host name, before the reply: the rejecting server itself
# ("host mx.example.com[192.0.2.1] said:", Exim "host mx.example.com [192.0.2.1]:"). Labels are
# bounded as in DNS (63 characters, here 20 of them): unbounded, one long word made the search quadratic.
_HOST_BRACKET_IP = lazy(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,20}\.?\s?\[\s*" + _IP + r"\s*\]")
# Submission recorded in a comment: Sendmail "(authenticated bits=0)", Postfix "(Authenticated sender:
# user)", Courier "(AUTH: PLAIN user, ...)", webmail "(via HTTP)" (GMX / mail.com).
_SUBMITTED = lazy(r"\((?:authenticated\b|AUTH: |via HTTPS?\))", re.I)
# Phrases of a report written by the server that tried to deliver (the sending side): the receiver is
# another host, so the reporting MTA's own Received hop in the original is not the receiver's view.
_SENDER_SIDE = lazy(r"\bsaid:|\bin reply to\b|\bconnect to\b|refused to talk to me|"
                          r"SMTP error from remote|lost connection with|conversation with|\bhost \S+\s?\[", re.I)
_SUBMISSION = lazy(r"^(?:mapi|https?|lmtps?a?|local|e?smtpsa|e?smtpa|utf8smtpsa?|asmtp)\b", re.I)
_MS_INTERNAL_HOST = lazy(r"\.(?:outlook\.com|exchangelabs\.com|microsoft\.com|office365\.com)\.?$", re.I)
# Second-level labels under which organisations register (example.co.jp, example.com.au).
_SLD = frozenset({"co", "com", "net", "org", "ac", "ne", "or", "go", "gov", "edu", "ad", "gr", "lg", "ed"})
# Provider hosts that send for customers and live under the same name as the provider's receivers:
# the sending side is its own organisation (Exchange Online Protection outbound).
_OUTBOUND_ORGS = ("outbound.protection.outlook.com",)
_SPF_DESIGNATES = lazy(r"(?:designates|designate|sender ip is)\s+" + _IP, re.I)


def from_diagnostic(diagnostic: str | None, *, remote_mta: str | None = None) -> tuple[str, str] | None:
    """(ip, rule id) when the refusal text names the sending address; never the receiver's own."""
    if not diagnostic:
        return None
    text = diagnostic[:8192]
    if _IP_LIKE.search(text) is None:
        return None
    low = literal_lower(text)  # a pattern none of whose literals is in it is not searched (analyzer.regex)
    receivers: frozenset[str] | None = None  # read when the first public address is found
    for rule, pattern in DIAGNOSTIC_PATTERNS:
        if not may_match(pattern, low):
            continue
        for m in pattern.finditer(text):
            ip = normalize_ip(m.group(1))
            if ip and is_public(ip):
                if receivers is None:
                    receivers = _receiver_ips(text, remote_mta)
                if ip not in receivers:
                    return ip, rule
    reply = _FIRST_REPLY.search(text)
    if reply:
        for m in _ANY_BRACKET_IP.finditer(text, reply.end()):
            ip = normalize_ip(m.group(1))
            if ip and is_public(ip):
                if receivers is None:
                    receivers = _receiver_ips(text, remote_mta)
                if ip not in receivers:
                    return ip, "diagnostic.bracket"
    return None


def _receiver_ips(text: str, remote_mta: str | None) -> frozenset[str]:
    """Addresses of the rejecting server: in Remote-MTA, and after a host name before the reply."""
    found: set[str] = set()
    for m in _ANY_IP.finditer(remote_mta or ""):
        if ip := normalize_ip(m.group(1)):
            found.add(ip)
    reply = _FIRST_REPLY.search(text)
    head = text[: reply.start()] if reply else text
    for m in _HOST_BRACKET_IP.finditer(head):
        if ip := normalize_ip(m.group(1)):
            found.add(ip)
    return frozenset(found)


def is_internal_hop(hop: Hop) -> bool:
    """True when the hop's connecting IP is not an address another network saw."""
    ip = hop.from_ip
    if not ip or not is_public(ip):
        return True
    if hop.protocol and _SUBMISSION.match(hop.protocol):
        return True
    if _SUBMITTED.search(hop.raw):
        return True
    return is_microsoft_internal(ip) and any(
        h and _MS_INTERNAL_HOST.search(h) for h in (hop.from_host, hop.by_host, hop.from_rdns)
    )


def org_domain(host: str | None) -> str | None:
    """The registered domain of a host name: 'mx1.mail.example.co.jp' -> 'example.co.jp' (approximate)."""
    if not host or normalize_ip(host):
        return None
    name = host.strip().strip(".").lower()
    for outbound in _OUTBOUND_ORGS:
        if name == outbound or name.endswith("." + outbound):
            return outbound
    labels = [x for x in name.split(".") if x]
    if len(labels) < 2:
        return None
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SLD:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _crosses_into(hop: Hop, orgs: set[str]) -> bool:
    """The hop was received by a server of `orgs` from outside them, over a public connection."""
    if is_internal_hop(hop) or org_domain(hop.by_host) not in orgs:
        return False
    sender = org_domain(hop.from_rdns) or org_domain(hop.from_host)
    if sender is None and hop.from_host and "." not in hop.from_host and hop.from_rdns in (None, "unknown"):
        return False  # a bare host name ("BLU436-SMTP69") without a reverse name: the provider's own server
    return sender is None or sender not in orgs


def from_returned_hops(hops: tuple[Hop, ...], receivers: tuple[str | None, ...]) -> str | None:
    """The IP that handed the returned original to the receiving side named by `receivers` (host names).

    `hops` is the original's chain, oldest first. None when no hop shows the receiving side taking the
    message from another organisation (the report came from the sending side).
    """
    orgs = {o for o in (org_domain(h) for h in receivers) if o}
    if not orgs:
        return None
    for hop in reversed(hops):
        if _crosses_into(hop, orgs):
            return hop.from_ip
    return None


def from_hops(hops: tuple[Hop, ...]) -> str | None:
    """The newest connecting IP of a Received chain (oldest first) that is not an internal hop."""
    for hop in reversed(hops):
        if not is_internal_hop(hop):
            return hop.from_ip
    return None


def received_sending_ip(hops: tuple[Hop, ...], auth: tuple[AuthResult, ...],
                        antispam: AntiSpam | None) -> tuple[str, str] | None:
    """(ip, source) of a delivered message: the IP its first authenticating receiver saw."""
    top = next((a.authserv_id for a in auth if a.header == "authentication-results" and a.authserv_id), None)
    org = org_domain(top)
    if org:
        for hop in reversed(hops):
            if hop.from_ip and _crosses_into(hop, {org}):
                return hop.from_ip, "hops.authserv-id"
    if antispam is not None and antispam.cip and is_public(antispam.cip):
        return antispam.cip, "antispam.cip"
    for a in auth:
        ip = _spf_ip(a)
        if ip:
            return ip, f"{a.header}.{'client-ip' if a.header == 'received-spf' else 'spf'}"
    ip = from_hops(hops)
    return (ip, "hops") if ip else None


def _spf_ip(a: AuthResult) -> str | None:
    """The client IP an SPF verdict names: client-ip=, or 'designates IP' / 'sender IP is IP' comments."""
    if a.method != "spf":
        return None
    for key, value in a.properties:
        if key in ("client-ip", "smtp.client-ip", "policy.iprev"):
            ip = normalize_ip(value)
            if ip and is_public(ip):
                return ip
    m = _SPF_DESIGNATES.search(a.reason or "")
    ip = normalize_ip(m.group(1)) if m else None
    return ip if ip and is_public(ip) else None


def recipient_sending_ip(*, hint: str | None, diagnostic: str | None, remote_mta: str | None,
                         reporting_mta: str | None, original: Original | None) -> tuple[str | None, str | None]:
    """(ip, source) for one failed or delayed recipient, in the order of the module docstring."""
    ip = normalize_ip(hint)
    if ip:
        return ip, "detector"
    hit = from_diagnostic(diagnostic, remote_mta=remote_mta)
    if hit:
        return hit
    if original is not None and original.hops:
        remote, reporter = host_of(remote_mta), host_of(reporting_mta)
        # The reporting MTA is the receiving side only when no other server is named as the one that refused.
        if remote and org_domain(remote) != org_domain(reporter):
            names: tuple[str | None, ...] = (remote,)
        elif remote is None and _SENDER_SIDE.search(diagnostic or ""):
            names = ()
        else:
            names = (remote, reporter)
        ip = from_returned_hops(original.hops, names)
        if ip:
            return ip, "original.hops"
    return None, None


def host_of(mta: str | None) -> str | None:
    """The host name in a Reporting-MTA / Remote-MTA value: 'dns; mx.example.com [192.0.2.1]' -> 'mx.example.com'."""
    if not mta:
        return None
    value = mta.split(";", 1)[1] if ";" in mta[:12] else mta
    first = value.strip().split(None, 1)[0] if value.strip() else ""
    first = first.strip("[]()<>").rstrip(".")
    return first or None
