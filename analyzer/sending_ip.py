"""The sending IP of a failed delivery: the address the rejecting server saw. Minimal first version."""

from __future__ import annotations

import re

from analyzer.ipaddr import is_public, normalize_ip
from analyzer.model import Hop

# Patterns over the diagnostic, most specific first. Group 1 is the address.
_IP = r"(?:IPv6:)?([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}|(?:\d{1,3}\.){3}\d{1,3})"
DIAGNOSTIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("diagnostic.gmail-bracket", re.compile(r"\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\s+\[" + _IP + r"(?:\s+\d+)?\]")),
    ("diagnostic.banned-ip", re.compile(r"banned sending ip \[" + _IP + r"\]", re.I)),
    ("diagnostic.client-host", re.compile(r"client host \[" + _IP + r"\]", re.I)),
    ("diagnostic.messages-from", re.compile(r"messages from \[" + _IP + r"\]", re.I)),
    ("diagnostic.ipv6-address", re.compile(r"(?:ipv6 address|over ipv6) \[" + _IP + r"\]", re.I)),
    ("diagnostic.client-ip", re.compile(r"client[ -]ip[=: ]+\[?" + _IP, re.I)),
    ("diagnostic.your-ip", re.compile(r"(?:your|sending|sender|source|connecting) ip(?: address)?(?: is| of)?"
                                      r"[ :]+\[?" + _IP, re.I)),
)


def from_diagnostic(diagnostic: str | None) -> tuple[str, str] | None:
    """(ip, rule) when the refusal text names the sending address."""
    if not diagnostic:
        return None
    for rule, pattern in DIAGNOSTIC_PATTERNS:
        m = pattern.search(diagnostic)
        if m:
            ip = normalize_ip(m.group(1))
            if ip and is_public(ip):
                return ip, rule
    return None


def from_hops(hops: tuple[Hop, ...]) -> str | None:
    """The newest public connecting IP in a Received chain (oldest-first tuple)."""
    for hop in reversed(hops):
        if hop.from_ip and is_public(hop.from_ip):
            return hop.from_ip
    return None
