"""Recognise the receiving provider ("rhost") of a failed delivery.

Evidence, strongest first: the remote MTA's host name (the providers' MX and inbound host names),
then a provider's signature in the refusal text (Gmail ends every reply with "gsmtp", Microsoft
quotes AS/S-codes and RESOLVER ids, Yahoo [TSSnn], Orange OFR_nnn, Cox/Spectrum AUP#...), then the
recipient's domain (the mailbox provider behind it).
Sources: the providers' published MX host names (e.g. aspmx.l.google.com, *.mail.protection.outlook.com,
mta*.am0.yahoodns.net, mx*.mail.icloud.com, smtp-in.orange.fr, mx*.qq.com, *.mx.cloudflare.net)
and their error references cited in each provider's rule table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.literals import LiteralIndex
from analyzer.regex import Regex, lazy, literal_lower, literals_of

# (provider, pattern over the remote MTA host name), first match wins.
BY_HOST: tuple[tuple[str, Regex], ...] = (
    ("google", lazy(r"\bgoogle\.com\b|\bgooglemail\.com\b|\bgmail\.com\b", re.I)),
    ("microsoft", lazy(r"\boutlook\.com\b|\bhotmail\.com\b|\blive\.com\b|\bmsn\.com\b|"
                             r"protection\.outlook|exchangelabs\.com|outlook\.office365\.com", re.I)),
    ("yahoo", lazy(r"yahoodns\.net|\byahoo\.(?:com|co\.jp|net)\b|\baol\.com\b|\bmx\.aol\.com\b", re.I)),
    ("apple", lazy(r"\bicloud\.com\b|\bme\.com\b|\bmac\.com\b|\bapple\.com\b|privaterelay\.appleid\.com", re.I)),
    ("kddi", lazy(r"\bezweb\.ne\.jp\b|\bau\.com\b|\bkddi\.com\b", re.I)),
    ("orange", lazy(r"\borange\.fr\b|\bwanadoo\.fr\b|\blaposte\.net\b|\bfrancetelecom\b", re.I)),
    ("tencent", lazy(r"\bqq\.com\b|\bexmail\.qq\b|\btencent\b", re.I)),
    ("cox", lazy(r"\bcox\.net\b|cloudfilter\.net", re.I)),
    ("spectrum", lazy(r"\bcharter\.net\b|\brr\.com\b|\bspectrum\.net\b", re.I)),
    ("messagelabs", lazy(r"\bmessagelabs\.com\b", re.I)),
    ("cloudflare", lazy(r"\bmx\.cloudflare\.net\b|\bcloudflare\.net\b", re.I)),
    ("amazonses", lazy(r"amazonses\.com|inbound-smtp\.[a-z0-9-]+\.amazonaws\.com", re.I)),
    ("proofpoint", lazy(r"pphosted\.com|ppe-hosted\.com", re.I)),
    ("mimecast", lazy(r"\bmimecast\.com\b", re.I)),
    ("zoho", lazy(r"\bzoho(?:mail)?\.(?:com|eu|in)\b", re.I)),
    ("gmx", lazy(r"\bgmx\.(?:net|de|com)\b|\bweb\.de\b|kundenserver\.de", re.I)),
    ("mailru", lazy(r"\bmail\.ru\b", re.I)),
    ("yandex", lazy(r"\byandex\.(?:ru|net|com)\b", re.I)),
)

# (provider, pattern over the refusal text): signatures only the provider writes.
BY_TEXT: tuple[tuple[str, Regex], ...] = (
    ("google", lazy(r"\bgsmtp\s*$|\s-\sgsmtp\b|support\.google\.com/mail|\bgcdp\b", re.I)),
    ("microsoft", lazy(r"\((?:AS|S)\d{4,}\)|\bRESOLVER\.(?:ADR|RST)\.|protection\.outlook\.com|"
                             r"go\.microsoft\.com/fwlink|sender\.office\.com|\b(?:SC|DY|OU)-00\d\b|"
                             r"\bCON:B1\b|mail\.live\.com/mail/troubleshooting", re.I)),
    ("yahoo", lazy(r"\[(?:TSS?|BL|PH)\d\d\]|yahooinc\.com|help\.yahoo\.com/kb/postmaster|"
                         r"\bdelivery error: dd\b", re.I)),
    ("apple", lazy(r"support\.apple\.com|\[(?:CS|HM)\d\d\]", re.I)),
    ("orange", lazy(r"\b(?:OFR|LPN)[0-9A-Z]*_\d{3}\b|\bmwinf\w+\b", re.I)),
    ("tencent", lazy(r"service\.mail\.qq\.com|\bfrequency limited\b", re.I)),
    ("cox", lazy(r"\bcox\.com/\S*error|AUP#(?:CX|CD|IPBL|URLBL)", re.I)),
    ("spectrum", lazy(r"spectrum\.net/support|AUP#(?:In?|Out?)-\d{4}", re.I)),
    ("cloudflare", lazy(r"developers\.cloudflare\.com/email-routing", re.I)),
)

# (provider, pattern over the recipient's domain): mailbox providers with their own domains.
BY_DOMAIN: tuple[tuple[str, Regex], ...] = (
    ("google", lazy(r"^(?:gmail|googlemail)\.com$", re.I)),
    ("microsoft", lazy(r"^(?:outlook|hotmail|live|msn)\.[a-z.]{2,6}$", re.I)),
    ("yahoo", lazy(r"^(?:yahoo|ymail|rocketmail|aol|aim)\.[a-z.]{2,6}$", re.I)),
    ("apple", lazy(r"^(?:icloud|me|mac)\.com$|^privaterelay\.appleid\.com$", re.I)),
    ("kddi", lazy(r"^(?:ezweb\.ne\.jp|au\.com)$", re.I)),
    ("orange", lazy(r"^(?:orange|wanadoo|laposte)\.(?:fr|net)$", re.I)),
    ("tencent", lazy(r"^(?:qq|foxmail|vip\.qq)\.com$", re.I)),
    ("cox", lazy(r"^cox\.net$", re.I)),
    ("spectrum", lazy(r"^(?:charter\.net|[a-z0-9.-]*\.rr\.com|spectrum\.net)$", re.I)),
)



# Per pattern, texts one of which every match contains (lowercase): a pattern whose texts are all absent is not
# run (for ASCII text only when a text is not ASCII: re.I also folds a few non-ASCII letters, e.g. the Kelvin
# sign and long s). The texts of a whole table are found in one pass (analyzer.literals).


@dataclass(frozen=True, slots=True, kw_only=True)
class _Table:
    """A table's entries (name, pattern, its texts or None, whether those are all ASCII), and its texts' index."""

    entries: tuple[tuple[str, Regex, tuple[str, ...] | None, bool], ...]
    index: LiteralIndex[tuple[int, ...]]  # text -> the numbers of the entries with that text
    always: frozenset[int]  # the numbers of the entries without texts: always tried
    unless_ascii: frozenset[int]  # ... with a non-ASCII text: tried on a text that is not ASCII


def _table(entries: tuple[tuple[str, Regex], ...]) -> _Table:
    rows = []
    numbers: dict[str, list[int]] = {}
    for n, (name, pattern) in enumerate(entries):
        literals = literals_of([pattern])
        rows.append((name, pattern, literals, literals is None or all(x.isascii() for x in literals)))
        for literal in literals or ():
            numbers.setdefault(literal, []).append(n)
    return _Table(entries=tuple(rows), index=LiteralIndex((x, tuple(ns)) for x, ns in numbers.items()),
                  always=frozenset(n for n, row in enumerate(rows) if row[2] is None),
                  unless_ascii=frozenset(n for n, row in enumerate(rows) if not row[3]))


_HOSTS, _TEXTS, _DOMAINS = _table(BY_HOST), _table(BY_TEXT), _table(BY_DOMAIN)


def _first(table: _Table, text: str) -> str | None:
    """The name of the first entry whose pattern is found in `text`."""
    low = literal_lower(text)
    entries = table.entries
    if low is None:  # the lowercase cannot tell: every entry is tried
        candidates: Iterable[int] = range(len(entries))
    else:  # the entries one of whose texts is in the text, those without texts, and those it cannot tell
        present = set(table.always) if low.isascii() else set(table.always | table.unless_ascii)
        for found in table.index.values(low):
            present.update(found)
        candidates = sorted(present)
    for n in candidates:
        name, pattern = entries[n][0], entries[n][1]
        if pattern.search(text):
            return name
    return None


def provider_of(remote_mta: str | None, diagnostic: str | None, recipient: str | None = None) -> str | None:
    """The receiving provider's short name, or None."""
    found = _first(_HOSTS, remote_mta) if remote_mta else None
    if found is None and diagnostic:
        found = _first(_TEXTS, diagnostic)
    if found is None and recipient and "@" in recipient:
        found = _first(_DOMAINS, recipient.rpartition("@")[2].strip().strip(">").lower())
    return found
