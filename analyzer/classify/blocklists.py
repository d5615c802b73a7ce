"""Block list names found in refusal texts.

Source: the lists' own zone names (spamhaus.org, spamcop.net, barracudacentral.org, sorbs.net,
abuseat.org, uceprotect.net, mailspike.net, psbl.surriel.com, s5h.net) and Microsoft's S3150 list.
"""

from __future__ import annotations

import re

# (canonical name, pattern), first match wins. Zone names are returned lowercased as written.
_ZONE = re.compile(
    r"\b((?:[a-z0-9-]+\.)*(?:spamhaus\.org|spamcop\.net|barracudacentral\.org|sorbs\.net|abuseat\.org|"
    r"uceprotect\.net|mailspike\.net|psbl\.surriel\.com|s5h\.net|spameatingmonkey\.net|senderscore\.com|"
    r"invaluement\.com|nordspam\.com|dnsbl\.info|spamrats\.com|junkemailfilter\.com|hostkarma\.com))\b",
    re.I,
)
_NAMED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("spamhaus", re.compile(r"\bspamhaus\b", re.I)),
    ("spamcop", re.compile(r"\bspamcop\b", re.I)),
    ("barracuda", re.compile(r"\bbarracuda(central)?\b.{0,40}\b(rbl|reputation|block)", re.I)),
    ("sorbs", re.compile(r"\bsorbs\b", re.I)),
    ("uceprotect", re.compile(r"\buceprotect\b", re.I)),
    ("microsoft S3150", re.compile(r"\bS3150\b")),
)


def blocklist_of(text: str | None) -> str | None:
    """The block list a refusal names (its zone when given, e.g. 'zen.spamhaus.org'), or None."""
    if not text:
        return None
    m = _ZONE.search(text)
    if m:
        return m.group(1).lower()
    for name, pattern in _NAMED:
        if pattern.search(text):
            return name
    return None
