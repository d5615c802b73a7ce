"""au by KDDI EZweb (ezweb.ne.jp) bounces: "Mail System Error - Returned Mail".

A Japanese preamble, then one of a few English explanations, then the recipients, optionally with
a transcript:
    The user(s) account is disabled.
    <rcpt@ezweb.ne.jp>: 550 user unknown (in reply to RCPT TO command)
    Each of the following recipients was rejected by a remote mail server.
        Recipient: <rcpt@ezweb.ne.jp>
        >>> RCPT TO:<rcpt@ezweb.ne.jp>
        <<< 550 <rcpt@ezweb.ne.jp>: User unknown
    Your message was not delivered within 0 days and 1 hours.
    Remote host is not responding.
The explanation states the reason; the domain filter ("rejected by a remote mail server" with no
reply) is a recipient-side filter. Source: observed EZweb notifications.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, lines, merge, split_at, verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import command_name

_FROM = lazy(r"@ezweb\.ne\.jp\b", re.I)
_MARKERS = ("content-type: message/rfc822", "content-type: text/rfc822-headers", "-" * 40)
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("ezweb.account-disabled", Reason.SUSPEND, lazy(r"the user\(s\) account is disabled", re.I)),
    ("ezweb.not-delivered-within", Reason.EXPIRED, lazy(
        r"your message was not delivered within|remote host is not responding", re.I)),
    ("ezweb.no-such-recipient", Reason.USERUNKNOWN,
     lazy(r"the user\(s\) account (?:is not|does not) exist", re.I)),
)
_FILTER = lazy(r"each of the following recipients was rejected by a remote\s+mail server", re.I)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    if "mail system error" not in (p.raw_header("Subject") or "").lower():
        return None
    head, _ = split_at(p.text, _MARKERS, p.lower)
    rcpts: list[str] = []
    reply: list[str] = []
    command: str | None = None
    for line in lines(head):
        key = line.strip()
        if key.startswith(">>>"):
            command = command_name(key[3:].strip().split(":")[0])
        elif key.startswith("<<<"):
            reply.append(key[3:].strip())
        elif (key.startswith("<") or key.lower().startswith("recipient:")) and "@" in key and ADDRESS.search(key):
            addr = ADDRESS.search(key)
            if addr and addr.group(1) not in rcpts:
                rcpts.append(addr.group(1))
                rest = key.split(">:", 1)[1].strip() if ">:" in key else ""
                if rest:
                    reply.append(rest)
    if not rcpts:
        return None
    hit = verdict(RULES, head)
    diagnostic = " ".join(reply) or _explanation(head)
    filtered = _FILTER.search(head)
    if hit is None and not reply and filtered is not None:
        hit = (Reason.FILTERED, "ezweb.rejected-by-filter", filtered.group(0))
    found = [Found(recipient=r, diagnostic=diagnostic, command=command, reason=hit[0] if hit else None,
                   rule=hit[1] if hit else None, evidence=hit[2] if hit else None) for r in rcpts]
    recipients = merge(found, p.dsn)
    if hit is not None:
        recipients = tuple(r if r.reason else replace(r, reason=hit[0], rule=hit[1], evidence=hit[2])
                           for r in recipients)
    return Detection(reporter="ezweb", recipients=recipients)


def _explanation(text: str) -> str | None:
    """The English sentences of the notice (the Japanese preamble repeats them)."""
    english = [line.strip() for line in lines(text) if line.strip().isascii() and line.strip()[:1].isalpha()]
    return " ".join(english)[:500] or None


# detect(): _FROM in the raw From and "mail system error" in the subject.
GATE: Gate = (Clause(sender=("@ezweb.ne.jp",), subject=("mail system error",)),)
DETECTOR: Detector = Detector("ezweb", detect, GATE)
