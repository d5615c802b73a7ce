"""Received headers (RFC 5321 section 4.4, RFC 5322 section 3.6.7) parsed into hops.

A Received header is `from X by Y via Z with P id I for <A>; date`, but real MTAs add comments
everywhere and omit or reorder clauses. The header is split into tokens (words, `[literals]`,
`(comments)` (nested), `<addresses>`), the keywords start clauses, and each clause reads its
value and its comments. The forms below are the ones seen in real mail (sources: RFC 5321 4.4,
Postfix smtpd_received_header, Exim received_header_text, Sendmail cf Received format, qmail and
qpsmtpd, Exchange/Exchange Online and Gmail headers in ../shared/corpus and
../shared/reference/ndr-texts.md 3.4):

- Postfix:   from HELO (rdns|unknown [ip]) by host (Postfix) with ESMTPS id X for <a>; date
- Sendmail:  from HELO (ident@rdns [IPv6:ip] (may be forged)) by host (8.15/8.15) with ESMTP id X
- Exim:      from rdns ([ip]:port helo=HELO) by host with esmtps (TLS1.3) ... (Exim 4.96) id X
- qpsmtpd / Yahoo: from rdns (HELO helo) (ip) by host with ESMTP
- qmail:     (qmail 1234 invoked from network); date     -- a hop with a time only
- Exchange:  from HELO (2603:10a6:20b:3f1::12) by host (ip) with Microsoft SMTP Server
             (version=TLS1_2, cipher=...) id 15.20.1771.16 via Frontend Transport; date
- Gmail:     from helo (rdns. [2a01:111:f400:fe0e::62e]) by mx.google.com with ESMTPS id
             v1si55415385wja.21 for <a> (version=TLS1_3 cipher=...); date
Ids such as `15.20.1771.16` (Exchange build) and `v1si55415385wja.21` (Gmail) are never read as
addresses: only `from`/`by` clause literals and comments are.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from analyzer import limits
from analyzer.headers.lexer import comment_end, comment_inner
from analyzer.ipaddr import normalize_ip
from analyzer.model import Hop
from analyzer.regex import lazy, literal_lower
from analyzer.textutil import clip, header_str

_KEYWORDS = frozenset({"from", "by", "via", "with", "id", "for"})

# One token: a word, the start of a comment (read by lexer.comment_end), a [literal], an <address>,
# a "quoted string" or a semicolon. No nested quantifiers: linear on hostile input.
_TOKEN = lazy(
    r"""(?P<word>[^\s()\[\];<>"]+)
      | (?P<comment>\()
      | (?P<literal>\[[^\[\]]{0,80}\](?::\d{1,5})?)
      | (?P<angle><[^<>]{0,400}>)
      | (?P<quoted>"[^"]{0,400}")
      | (?P<semi>;)""",
    re.X,
)
_MAX_TOKENS = 64  # tokens read per header: real ones have fewer than 30
_LITERAL_IP = lazy(r"\[\s*(?:IPv6:)?([0-9A-Fa-f:.]{2,45}(?:%[\w.-]{1,20})?)\s*\]", re.I)
_BARE_IP = lazy(r"^(?:IPv6:)?([0-9A-Fa-f:.]{2,45}(?:%[\w.-]{1,20})?)$", re.I)
_NAME_THEN_LITERAL = lazy(r"([^\s\[\]()=]+)\s*\[")  # "(rdns [ip])", "(localhost [local])"
_HELO_IN_COMMENT = lazy(r"^(?:HELO|EHLO|LHLO)\s+([^\s()]+)", re.I)
_HELO_ASSIGN = lazy(r"\bhelo=([^\s()\]]+)", re.I)
_HELO_FIRST = "HhEeLl"  # the first letters of HELO, EHLO, LHLO (an empty comment too: "" is in it)
_TLS = lazy(r"\b(?:TLS[ _-]?v?1(?:[._](?P<minor>[0-3]))?|(?P<ssl>SSLv3))\b", re.I)
_TLS_WORD = lazy(r"\bTLS\b")  # "(TLS)" after Microsoft SMTP Server, "over TLS secured channel"
_TLS_PROTOCOL = lazy(r"^(?:E?SMTPS|ESMTPSA|UTF8SMTPS|UTF8SMTPSA|LMTPS)$", re.I)
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_MONTH_NUMBER = {m.lower(): n for n, m in enumerate(_MONTHS.split("|"), start=1)}
# "Mon, 3 Jun 2024 10:00:05 +0200 (CEST)": day-of-week and comment optional, 4-digit year, numeric zone
# or UT/GMT/Z. Other forms (2-digit years, named zones such as PDT) go through email.utils.
_FAST_DATE = lazy(
    r"(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*(?:([+-])(\d{2})(\d{2})|(UT|GMT|Z)))?(?:\s*\([^()]{0,40}\))?$"
)
# A date at the very end of the header, for MTAs that leave out the ";" before it.
_DATE_TAIL = lazy(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?\d{1,2}\s+(?:" + _MONTHS + r")[a-z]*\s+\d{2,4}\s+"
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s+(?:[+-]\d{4}|[A-Z]{1,5}))?(?:\s*\([^()]{0,40}\))?\s*$",
    re.I,
)


def parse_received(value: object) -> Hop:
    """One Received header value into a Hop (delay_s is set by received_chain)."""
    return Hop(**_fields(value)[0])


def _fields(value: object, *, fast: bool = True) -> tuple[dict[str, Any], datetime | None]:
    """The Hop fields of one header value, and its time (for the delays). `fast=False`: tokens always."""
    raw = " ".join(clip(header_str(value), limits.MAX_RECEIVED_CHARS).split())  # unfolded
    head, at = _split_date(raw)
    common = (_common_form(head) or _exchange_form(head) or _by_only_form(head)) if fast else None
    protocol: str | None
    hop_id: str | None
    if common is not None:
        helo, rdns, from_ip, by_host, by_ip, protocol, hop_id, for_addr = common
    else:
        clauses = _clauses(head)
        helo, rdns, from_ip = _from_clause(clauses.get("from", []))
        by_host, by_ip = _by_clause(clauses.get("by", []))
        protocol = _words(clauses.get("with", []))
        hop_id = _first_value(clauses.get("id", []))
        for_addr = _for_addr(clauses.get("for", []))
    return {
        "from_host": helo,
        "from_ip": from_ip,
        "from_rdns": rdns,
        "by_host": by_host,
        "by_ip": by_ip,
        "protocol": protocol,
        "tls": _tls(raw, protocol),
        "id": hop_id,
        "for_addr": for_addr,
        "at": at.isoformat() if at is not None else None,
        "raw": raw,
    }, at


# The most common form (Postfix, Sendmail, Gmail, many others), read by one match instead of tokens:
#   from HELO ([rdns ][ip]) by host[ (comment)] with PROTO id ID[ for <addr>][ (comment)]
# (the last comment: Gmail's "(version=TLS1_3 cipher=...)", a token after the value its clause reads)
# Each group is what the token reading would see (words without specials, one flat comment each); the
# fields are computed from them as _from_clause/_by_clause/_first_value compute them (tests/test_received.py
# compares both on every sample and on generated variants). Anything else goes through the tokens.
_NAME = r"[A-Za-z0-9][A-Za-z0-9.\-]*"
_COMMON = lazy(r"from (" + _NAME + r") \((?:(" + _NAME + r") )?\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]\)"
               r" by (" + _NAME + r")(?: \(([^()]*)\))? with ([A-Za-z0-9][A-Za-z0-9-]*)"
               r" id ([^\s()\[\];<>\",]+)(?: for <([^<>\s]{0,400})>)?(?: \([^()]*\))?", re.I)
_NOT_RDNS = frozenset({"helo", "ehlo", "lhlo"})  # "(HELO [ip])" is read as a HELO name by _from_clause


def _common_form(head: str) -> tuple[str | None, str | None, str | None, str | None, str | None, str, str,
                                     str | None] | None:
    """(helo, rdns, from ip, by host, by ip, protocol, id, for) of a header in the common form, else None."""
    m = _COMMON.fullmatch(head)
    if m is None:
        return None
    word, rdns_word, literal_ip, by_word, by_comment, protocol, hop_id, for_text = m.groups()
    if (word.lower() in _KEYWORDS or by_word.lower() in _KEYWORDS or protocol.lower() in _KEYWORDS
            or hop_id.lower() in _KEYWORDS or (rdns_word is not None and rdns_word.lower() in _NOT_RDNS)):
        return None  # a keyword where a value stands: the tokens decide
    ip = _bare_ip(word)
    name = None if ip else _host(word)
    from_ip = normalize_ip(literal_ip) or ip
    rdns = _host(rdns_word) if rdns_word is not None else None
    by_host, by_ip, for_value = _by_values(by_word, by_comment, for_text)
    return name, rdns, from_ip, by_host, by_ip, protocol, hop_id, for_value


def _by_values(by_word: str, by_comment: str | None, for_text: str | None) -> tuple[str | None, str | None,
                                                                                     str | None]:
    """(by host, by ip, for address) from the by word, its comment and the for text of a one-match form."""
    by_ip = _bare_ip(by_word)
    by_host = None if by_ip else _host(by_word)
    if by_ip is None and by_comment is not None:
        inner = by_comment.strip()
        lit = _LITERAL_IP.search(inner) if "[" in inner else None
        by_ip = normalize_ip(lit.group(1)) if lit else _bare_ip(inner)
    for_value = (for_text.strip().strip(",") or None) if for_text is not None else None
    return by_host, by_ip, for_value if for_value and "@" in for_value else None


# Exchange / Exchange Online between its own servers (every hop inside Microsoft 365, ndr-texts.md 3.4):
#   from HOST (comment) by HOST (comment) with Microsoft SMTP Server[ (comment)] id ID[ via WORDS]
# The clauses split by one match; each clause is read from the tokens the tokenizer would give it, by
# _from_clause and _by_clause themselves (tests/test_received.py compares with the tokens as for _COMMON).
_EXCHANGE = lazy(r"from (" + _NAME + r") (\([^()]*\)) by (" + _NAME + r") (\([^()]*\))"
                 r" with (Microsoft SMTP Server)(?: \([^()]*\))? id ([^\s()\[\];<>\",]+)(?: via ([A-Za-z ]*))?")


def _exchange_form(head: str) -> tuple[str | None, str | None, str | None, str | None, str | None, str, str,
                                       None] | None:
    """(helo, rdns, from ip, by host, by ip, protocol, id, None) of a header in the Exchange form, else None."""
    m = _EXCHANGE.fullmatch(head) if " with Microsoft SMTP Server" in head else None
    if m is None:
        return None
    word, from_comment, by_word, by_comment, protocol, hop_id, via = m.groups()
    if any(w.lower() in _KEYWORDS for w in (word, by_word, hop_id, *(via or "").split())):
        return None  # a keyword where a value stands: the tokens decide
    helo, rdns, from_ip = _from_clause([("word", word), ("comment", from_comment)])
    by_host, by_ip = _by_clause([("word", by_word), ("comment", by_comment)])
    return helo, rdns, from_ip, by_host, by_ip, protocol, hop_id, None


# A hop without a `from` clause (a local submission: Postfix pickup "by host (Postfix, from userid 0) id X", Gmail's
# "by 192.0.2.25 with SMTP id X for <a>"; 16% of the corpus's headers):
#   by HOST[ (comment)][ with PROTO] id ID[ for <addr>][ (comment)]
# read by one match as _common_form reads its by/with/id/for part (tests/test_received.py compares with the tokens).
_BY_ONLY = lazy(r"by (" + _NAME + r")(?: \(([^()]*)\))?(?: with ([A-Za-z0-9][A-Za-z0-9-]*))?"
                r" id ([^\s()\[\];<>\",]+)(?: for <([^<>\s]{0,400})>)?(?: \([^()]*\))?", re.I)


def _by_only_form(head: str) -> tuple[None, None, None, str | None, str | None, str | None, str,
                                      str | None] | None:
    """(None, None, None, by host, by ip, protocol, id, for) of a header in the by-only form, else None."""
    m = _BY_ONLY.fullmatch(head) if head[:3].lower() == "by " else None
    if m is None:
        return None
    by_word, by_comment, protocol, hop_id, for_text = m.groups()
    if any(w is not None and w.lower() in _KEYWORDS for w in (by_word, protocol, hop_id)):
        return None  # a keyword where a value stands: the tokens decide
    by_host, by_ip, for_value = _by_values(by_word, by_comment, for_text)
    return None, None, None, by_host, by_ip, protocol, hop_id, for_value


def received_chain(msg: Message[Any, Any]) -> tuple[tuple[Hop, ...], str | None]:
    """The Received chain of a message, oldest hop first, and a defect when it was cut.

    Only the newest limits.MAX_RECEIVED headers are parsed (the ones nearest the reader, which
    matter for the sending IP); delays are measured from the nearest older hop with a time.
    """
    values: list[Any] = msg.get_all("Received") or []
    defect = None
    if len(values) > limits.MAX_RECEIVED:
        defect = (f"{len(values)} Received headers: only the newest {limits.MAX_RECEIVED} were read "
                  f"(limits.MAX_RECEIVED)")
        values = values[: limits.MAX_RECEIVED]
    hops: list[Hop] = []
    previous: datetime | None = None
    for value in values[::-1]:  # oldest first; one Hop each, its delay computed on the way
        fields, at = _fields(value)
        when = _utc(at) if at is not None else None
        delay = (when - previous).total_seconds() if when is not None and previous is not None else None
        hops.append(Hop(**fields, delay_s=delay))
        previous = when or previous
    return tuple(hops), defect


def hops_of(msg: Message[Any, Any]) -> tuple[Hop, ...]:
    """The Received chain of a message, oldest hop first (bounded, see received_chain)."""
    return received_chain(msg)[0]


def with_delays(hops: list[Hop]) -> tuple[Hop, ...]:
    """Hops (oldest first) with delay_s from the nearest older hop that has a timestamp."""
    out: list[Hop] = []
    previous: datetime | None = None
    for hop in hops:
        when = _as_utc(hop.at)
        if when is not None and previous is not None:
            out.append(replace(hop, delay_s=(when - previous).total_seconds()))
        else:
            out.append(hop)
        if when is not None:
            previous = when
    return tuple(out)


def _as_utc(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        return _utc(datetime.fromisoformat(iso))
    except ValueError:
        return None


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)  # no zone (-0000): read as UTC


def _split_date(raw: str) -> tuple[str, datetime | None]:
    """(the clauses, the timestamp) of a header value."""
    head, sep, tail = raw.rpartition(";")
    if sep:
        at = _parse_date(tail)
        if at is not None or not _DATE_TAIL.search(tail):
            return head, at
    m = _DATE_TAIL.search(raw)
    if m:
        return raw[: m.start()], _parse_date(m.group(0))
    return (head if sep else raw), None


def _parse_date(text: str) -> datetime | None:
    """RFC 5322 date-time; the common numeric-zone form is read directly (it is most of the cost)."""
    text = text.strip()
    if not text or len(text) > 80:
        return None
    m = _FAST_DATE.match(text)
    if m:
        day, month, year, hour, minute, second, sign, zh, zm, utc = m.groups()
        mon = _MONTH_NUMBER.get(month.lower())
        if mon is not None:
            try:
                tz = UTC if utc else _zone(sign, zh, zm) if sign else None
                return datetime(int(year), mon, int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
            except ValueError:
                return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


_ZONES: dict[str, timezone | None] = {}


def _zone(sign: str, zh: str, zm: str) -> timezone | None:
    """The timezone of a numeric zone (one object per zone, built once); -0000: unknown (RFC 5322 3.3).
    A zone of a day or more raises ValueError (as the stdlib's parser does)."""
    key = sign + zh + zm
    if key in _ZONES:
        return _ZONES[key]
    tz = None
    if key != "-0000":
        offset = timedelta(hours=int(zh), minutes=int(zm))
        tz = timezone(-offset if sign == "-" else offset)
    if len(_ZONES) < 2000:  # 24 * 60 * 2 zones at most in practice; bounded on hostile input anyway
        _ZONES[key] = tz
    return tz


Token = tuple[str, str]  # (kind, text): kind is comment | literal | angle | quoted | word


# The same tokens with flat comments only, in one findall (one string per token: its first character
# says its kind); a stray bracket (a nested or unbalanced comment) sends the header to the careful
# loop of _clauses_slow.
_FLAT_TOKENS = lazy(
    r"""[^\s()\[\];<>"]+|\([^()]*\)|\[[^\[\]]{0,80}\](?::\d{1,5})?|<[^<>]{0,400}>|"[^"]{0,400}"|;"""
    r"""|[()\[\]<>"]"""
)
_OPENERS = {"(": "comment", "[": "literal", "<": "angle", '"': "quoted"}


def _clauses(head: str) -> dict[str, list[Token]]:
    """Tokens grouped by the keyword that starts their clause (first occurrence of each wins).

    Tokens before the first keyword are dropped (qmail's "(qmail 1234 invoked from network)").
    """
    found = _FLAT_TOKENS.findall(head)
    if len(found) > _MAX_TOKENS:
        return _clauses_slow(head)
    clauses: dict[str, list[Token]] = {}
    current: list[Token] | None = None
    for text in found:
        kind = _OPENERS.get(text[0])
        if kind is None:
            if text == ";":
                continue
            key = text.lower()
            if key in _KEYWORDS and key not in clauses:
                current = clauses[key] = []
            elif current is not None:
                current.append(("word", text))
        elif len(text) == 1:  # a stray bracket or quote: every comment, literal, address, quote has two ends
            return _clauses_slow(head)
        elif current is not None:
            current.append((kind, text))
    return clauses


def _clauses_slow(head: str) -> dict[str, list[Token]]:
    """_clauses for headers with nested or unbalanced comments (linear, bounded by _MAX_TOKENS)."""
    clauses: dict[str, list[Token]] = {}
    current: list[Token] | None = None
    pos = 0
    for _ in range(_MAX_TOKENS):
        m = _TOKEN.search(head, pos)
        if m is None:
            break
        kind = m.lastgroup or "word"
        pos = m.end()
        text = m.group()
        if kind == "word":
            key = text.lower()
            if key in _KEYWORDS and key not in clauses:
                current = clauses[key] = []
                continue
        elif kind == "semi":
            continue
        elif kind == "comment":
            pos = comment_end(head, m.start())
            text = head[m.start():pos]
        if current is not None:
            current.append((kind, text))
    return clauses


def _from_clause(tokens: list[Token]) -> tuple[str | None, str | None, str | None]:
    """(HELO name, reverse name the receiver recorded, connecting IP) of a `from` clause."""
    if not tokens:
        return None, None, None
    kind, value = tokens[0]
    name: str | None = None
    ip: str | None = None
    start = 1
    if kind == "literal":
        ip = _ip_of_literal(value)
    elif kind == "word":
        ip = _bare_ip(value)
        name = None if ip else _host(value)
    else:  # "from (unknown [192.0.2.4]) by ...": no HELO name at all
        start = 0
    helo: str | None = None
    rdns: str | None = None
    comment_ip: str | None = None
    for kind, text in tokens[start:]:
        if kind == "literal":
            comment_ip = comment_ip or _ip_of_literal(text)
        elif kind == "comment":
            inner = comment_inner(text)
            # each pattern behind a character it needs (a first letter re.I can match, "=", "[")
            helo_m = ((_HELO_IN_COMMENT.match(inner) if inner[:1] in _HELO_FIRST or not inner[:1].isascii() else None)
                      or (_HELO_ASSIGN.search(inner) if "=" in inner else None))
            if helo_m:
                helo = helo or _host(helo_m.group(1))
            bracket = "[" in inner
            lit = _LITERAL_IP.search(inner) if bracket else None
            if lit:
                comment_ip = comment_ip or normalize_ip(lit.group(1))
            named = _NAME_THEN_LITERAL.match(inner) if bracket else None
            if named and rdns is None and not helo_m:
                rdns = _host(named.group(1).rpartition("@")[2])
            if not lit and not named and not helo_m:
                comment_ip = comment_ip or _bare_ip(inner.split(" ", 1)[0].rstrip(","))
        elif kind == "word" and comment_ip is None:
            comment_ip = _bare_ip(text)
    if helo is not None:  # qpsmtpd/Yahoo "(HELO x)", Exim "helo=x": the first word is the reverse name
        rdns = rdns or name
        name = helo
    return name, rdns, comment_ip or ip


def _by_clause(tokens: list[Token]) -> tuple[str | None, str | None]:
    """(receiving host, its address when recorded) of a `by` clause."""
    if not tokens:
        return None, None
    if len(tokens) > 1 and tokens[0][1].lower() == "host" and tokens[1][0] == "word":
        tokens = tokens[1:]  # indimail: "by host mail.example.com"
    kind, value = tokens[0]
    host: str | None = None
    ip: str | None = None
    if kind == "literal":
        ip = _ip_of_literal(value)
    elif kind == "word":
        ip = _bare_ip(value)
        host = None if ip else _host(value)
    for kind, text in tokens[1:3]:
        if ip is not None:
            break
        if kind == "comment":
            inner = comment_inner(text)
            lit = _LITERAL_IP.search(inner) if "[" in inner else None
            ip = normalize_ip(lit.group(1)) if lit else _bare_ip(inner)
        elif kind == "literal":
            ip = _ip_of_literal(text)
    return host, ip


def _words(tokens: list[Token]) -> str | None:
    """Leading words of a clause joined: 'with Microsoft SMTP Server (...)' -> 'Microsoft SMTP Server'."""
    words: list[str] = []
    for kind, text in tokens:
        if kind != "word":
            break
        words.append(text)
        if len(words) == 4:
            break
    return " ".join(words) or None


def _first_value(tokens: list[Token]) -> str | None:
    if not tokens:
        return None
    kind, text = tokens[0]
    if kind == "angle":
        text = text[1:-1]
    elif kind not in ("word", "quoted"):
        return None
    return text.strip().strip(",") or None


def _for_addr(tokens: list[Token]) -> str | None:
    value = _first_value(tokens)
    return value if value and "@" in value else None


def _tls(raw: str, protocol: str | None) -> str | None:
    m: re.Match[str] | None = _first_tls(raw) if "TLS" in raw or "tls" in raw or "SSLv3" in raw else None
    if m:
        if m.group("ssl"):
            return "SSLv3"
        return f"TLSv1.{m.group('minor') or '0'}"
    if (protocol and _TLS_PROTOCOL.match(protocol)) or (m is None and "TLS" in raw and _TLS_WORD.search(raw)):
        return "TLS"
    return None


def _first_tls(raw: str) -> re.Match[str] | None:
    """_TLS.search(raw), started where the first match can start: at the first "tls" or "sslv3" of the
    lowercased text (re.I matches no other letters to these when literal_lower can serve). A search of a
    whole header tried the case-insensitive alternation at every character: 8 us on a 270-character one."""
    low = literal_lower(raw)
    if low is None:
        return _TLS.search(raw)
    found = [i for i in (low.find("tls"), low.find("sslv3")) if i >= 0]
    if not found:
        return None
    return _TLS.search(raw, max(min(found) - 1, 0))  # one character before: \b reads it


def _ip_of_literal(text: str) -> str | None:
    m = _LITERAL_IP.search(text)
    return normalize_ip(m.group(1)) if m else None


def _bare_ip(text: str) -> str | None:
    m = _BARE_IP.match(text.strip())
    if not m or (":" not in m.group(1) and m.group(1).count(".") != 3):
        return None
    return normalize_ip(m.group(1))


def _host(text: str) -> str | None:
    """A host name as recorded, without brackets or a trailing dot ('unknown' is kept: no PTR)."""
    name = text.strip().strip("[]").rstrip(".")
    return name or None
