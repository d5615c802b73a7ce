"""Block list names found in refusal texts.

Sources: the lists' own zone names (spamhaus.org, spamcop.net, barracudacentral.org, sorbs.net,
abuseat.org, uceprotect.net, mailspike.net, psbl.surriel.com, s5h.net, ...), Cloudmark's CSI
reset page (csi.cloudmark.com), Proofpoint's dnsbl-lookup (used by Apple iCloud), and Microsoft's
own lists as its NDR reference names them: "banned sending IP" (5.7.606-649, delisting at
sender.office.com), Outlook.com S3140/S3150, and the recipient tenant's "Customer Block list" (5.7.513).
"""

from __future__ import annotations

import re

from analyzer.literals import LiteralIndex
from analyzer.regex import Regex, lazy, literal_lower, literals_of

# A DNSBL zone as written in the text, e.g. "zen.spamhaus.org", "b.barracudacentral.org". Labels before
# the list's domain are bounded as in DNS (63 characters, here 10 of them): linear on a long dotted word.
ZONE_DOMAINS = (
    "spamhaus.org", "spamcop.net", "barracudacentral.org", "sorbs.net", "abuseat.org", "uceprotect.net",
    "mailspike.net", "psbl.surriel.com", "s5h.net", "spameatingmonkey.net", "senderscore.com", "invaluement.com",
    "nordspam.com", "dnsbl.info", "spamrats.com", "junkemailfilter.com", "hostkarma.com", "lashback.com",
    "manitu.net", "backscatterer.org", "0spam.org", "abusix.zone",
)
_ZONE = lazy(
    r"\b((?:[a-z0-9-]{1,63}\.){0,10}(?:" + "|".join(re.escape(d) for d in ZONE_DOMAINS) + r"))\b",
    re.I,
)
# (name, pattern), first match wins, for lists named without a zone.
_NAMED: tuple[tuple[str, Regex], ...] = (
    ("microsoft S3150", lazy(r"\bS3150\b")),
    ("microsoft S3140", lazy(r"\bS3140\b")),
    ("microsoft banned-ip", lazy(r"banned sending ip|sender\.office\.com", re.I)),
    ("microsoft customer block list", lazy(r"customer block list", re.I)),
    ("spamhaus", lazy(r"\bspamhaus\b", re.I)),
    ("spamcop", lazy(r"\bspamcop\b", re.I)),
    ("barracuda", lazy(r"\bbarracuda(?:central)?\b.{0,40}\b(?:rbl|reputation|block)", re.I)),
    ("sorbs", lazy(r"\bsorbs\b", re.I)),
    ("uceprotect", lazy(r"\buceprotect\b", re.I)),
    ("cloudmark csi", lazy(r"csi\.cloudmark\.com|\bcloudmark\b", re.I)),
    ("proofpoint", lazy(r"proofpoint\.com/dnsbl|\bproofpoint\b.{0,30}\b(?:dnsbl|block)", re.I)),
    ("invaluement", lazy(r"\binvaluement\b|\bivmSIP\b", re.I)),
)

# Texts one of which every match of _NAMED contains (lowercase): most texts are ruled out by `in`
# (for ASCII text only: re.I also folds a few non-ASCII letters, e.g. the Kelvin sign and long s).
_NAMED_LITERALS = literals_of([p for _, p in _NAMED])
# Both pre-checks' texts, each set found in one pass over the text (analyzer.literals).
_ZONE_TEXTS = LiteralIndex((d, d) for d in ZONE_DOMAINS)
_NAMED_TEXTS = LiteralIndex((x, x) for x in _NAMED_LITERALS or ())


def blocklist_of(text: str | None) -> str | None:
    """The block list a refusal names (its zone when given, e.g. 'zen.spamhaus.org'), or None."""
    if not text:
        return None
    low = literal_lower(text)  # None: the literal pre-checks cannot tell (see analyzer.regex)
    for m in (_ZONE.finditer(text) if low is None or _ZONE_TEXTS.holds_any(low) else ()):
        zone = m.group(1).lower()
        if zone.startswith("www.") or text[max(m.start() - 2, 0): m.start()] == "//":
            continue  # a web page of the list (a lookup URL), not its DNS zone
        return zone
    if low is not None and _NAMED_LITERALS is not None and not _NAMED_TEXTS.holds_any(low):
        return None
    for name, pattern in _NAMED:
        if pattern.search(text):
            return name
    return None
