"""Last resort for plain-text bounces from MTAs without a detector of their own.

A message from a mail daemon with a bounce subject and no delivery-status part: every address in
the report text (before the returned original) that stands next to an SMTP reply code, a status
code, or a refusal phrase is a failed recipient, and those lines are its diagnostic. Conservative
on purpose: the sender's and the notice's own addresses and "please contact ..." lines are skipped,
and without such evidence nothing is reported (the message stays not_bounce).
Source: the common shape of the MTA bounces this package knows (Postfix, Exim, qmail, Sendmail,
Courier, ...): one recipient per line or paragraph, the server's reply beside it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import islice

from analyzer.classify.phrases import TABLE, compiled, match
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, MAX_LINE, lines, split_at
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import lazy
from analyzer.smtp import find_command

_SENDER = lazy(r"mailer-daemon|mailer daemon|postmaster|mail delivery|mail administrator|mail system", re.I)
_SUBJECT = lazy(
    r"undeliver|returned mail|delivery (?:status|failure|failed|notification|problem)|failure notice|"
    r"non[- ]?delivery|could not be delivered|mail delivery failed|not delivered|delivery has failed|"
    r"unzustellbar|nicht zugestellt|non distribuable|no entregado|non recapitato|不達|配信エラー|エラー", re.I)
_MARKERS = ("content-type: message/rfc822", "content-type: text/rfc822-headers", "original message follows",
            "copy of the message", "copy of the original message", "original message headers",
            "----- original message", "-----original message", "the header of the original message",
            "below this line is a copy", "message headers follow")
_EVIDENCE = lazy(r"(?<![\w.\-/#])[45][0-5]\d(?=[\s\-\]]|$)|(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d])")
_SKIP_LINE = lazy(r"\b(?:contact|please send|write to|reply to|questions?|helpdesk|support)\b", re.I)
# Each address of a line reads the rest of the line: bounded in characters (the diagnostic keeps 4096)
# and in addresses per line (real reports name one or two), or a long line of addresses is quadratic.
_REST_CHARS = 8192
_ADDRESSES_PER_LINE = 20
_REASONS = (Reason.USERUNKNOWN, Reason.MAILBOXFULL, Reason.HOSTUNKNOWN, Reason.SUSPEND, Reason.EXPIRED,
            Reason.BLOCKED, Reason.REJECTED, Reason.SPAMDETECTED, Reason.NORELAYING, Reason.MESGTOOBIG)


def detect(p: Parsed) -> Detection | None:
    if p.dsn is not None or p.feedback:
        return None
    if not _SENDER.search(p.raw_header("From") or "") or not _SUBJECT.search(p.header("Subject") or ""):
        return None
    head, _ = split_at(p.text[:65536], _MARKERS, p.lower[:65536])
    own = {a.lower() for a in (_addr(p.header("From")), _addr(p.header("To")), _addr(p.header("Reply-To"))) if a}
    rows = lines(head)
    found: list[Found] = []
    seen: set[str] = set()
    for i, line in enumerate(rows):
        if "@" not in line or _SKIP_LINE.search(line):
            continue
        following = _following(rows[i + 1:i + 4])
        index: _LineIndex | None = None  # where the phrases' literals are in this line (read on first need)
        for m in islice(ADDRESS.finditer(line), _ADDRESSES_PER_LINE):
            addr = m.group(1).rstrip(".")
            if addr.lower() in own or addr.lower() in seen:
                continue
            if index is None:
                index = _LineIndex(line, following)
            diagnostic = _diagnostic(line[m.end(): m.end() + _REST_CHARS], following, index)
            if diagnostic is None:
                continue
            seen.add(addr.lower())
            found.append(Found(recipient=addr, diagnostic=diagnostic, command=find_command(diagnostic),
                               action="failed"))
    if not found:
        return None
    return Detection(reporter="plaintext", recipients=tuple(found))


def _following(rows: list[str]) -> list[str]:
    """The lines after an address's line that continue its reply: up to a blank one or the next recipient."""
    parts: list[str] = []
    for line in rows:
        if not line.strip() or ("@" in line and ADDRESS.match(line.strip())):  # blank, or the next recipient
            break
        parts.append(line.strip())
    return parts


def _diagnostic(rest: str, following: list[str], index: _LineIndex) -> str | None:
    """The reply beside an address (same line, else the next lines up to a blank one), if it is one."""
    parts = [rest.strip(" :>)-\t")] if rest.strip(" :>)-\t") else []
    text = " ".join(x for x in [*parts, *following] if x)[:4096]
    if not text:
        return None
    if _EVIDENCE.search(text) or index.has_phrase(text):
        return text
    return None


# The phrases of _REASONS by their literal (each holds one: lowercase, ASCII), with their regexes (None: the
# literal is the phrase). phrases.match finds a phrase only where its literal is.
_BY_LITERAL: dict[str, list[str | None]] = {}
for _reason in _REASONS:
    for _phrase in TABLE[_reason]:
        _BY_LITERAL.setdefault(_phrase.literal, []).append(_phrase.regex)
_INDEXED = all(_BY_LITERAL) and all(x.isascii() for x in _BY_LITERAL) and MAX_LINE <= _REST_CHARS


class _LineIndex:
    """Where the phrases' literals are in one line of addresses and the lines after it, found once.

    The text beside each address of the line is a slice of `whole` (the line stripped, joined with the lines
    after it: lines are at most textscan.MAX_LINE < _REST_CHARS characters, so each address reads its line to
    the end); a phrase can match that text only if one of its literal's places lies inside the slice. A long
    line of addresses is so not searched for every phrase once per address. has_phrase(text) is
    any(match(reason, text) for reason in _REASONS), computed that way (or that way itself when the text is
    not a slice of `whole` or not ASCII).
    """

    def __init__(self, line: str, following: list[str]) -> None:
        self.whole = " ".join(x for x in [line.strip(" :>)-\t"), *following] if x)
        self.places: list[tuple[str, list[str | None], list[int]]] | None = None
        if _INDEXED and self.whole.isascii():
            low = self.whole.lower()
            self.places = []
            for literal, regexes in _BY_LITERAL.items():
                at = low.find(literal)
                if at < 0:
                    continue
                found = []
                while at >= 0:
                    found.append(at)
                    at = low.find(literal, at + 1)
                self.places.append((literal, regexes, found))

    def has_phrase(self, text: str) -> bool:
        start = len(self.whole) - len(text) if self.whole.endswith(text) else self.whole.find(text)
        if self.places is None or start < 0:
            return any(match(reason, text) for reason in _REASONS)
        end = start + len(text)
        low: str | None = None
        for literal, regexes, found in self.places:
            first = found[bisect_left(found, start)] if found[-1] >= start else -1
            if first < 0 or first + len(literal) > end:
                continue  # no place of this literal inside the text
            for regex in regexes:
                if regex is None:
                    return True
                low = low if low is not None else text.lower()
                if compiled(regex).search(low):
                    return True
        return False


def _addr(value: str | None) -> str | None:
    m = ADDRESS.search(value or "")
    return m.group(1) if m else None


# detect(): _SENDER in the raw From and _SUBJECT in the decoded subject.
GATE: Gate = (Clause(sender=("mailer-daemon", "mailer daemon", "postmaster", "mail delivery", "mail administrator",
                             "mail system"),
                     title=("undeliver", "returned mail", "delivery", "failure notice", "could not be delivered",
                            "not delivered", "unzustellbar", "nicht zugestellt", "non distribuable", "no entregado",
                            "non recapitato", "不達", "エラー")),)
DETECTOR: Detector = Detector("plaintext", detect, GATE)
