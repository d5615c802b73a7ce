"""OpenSMTPD bounces: "Delivery status notification: error|failed|warning|delayed".

OpenSMTPD (smtpd/bounce.c) writes an indented preamble, then one line per recipient:
        Hi!
        This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.
        An error has occurred while attempting to deliver a message for
        the following list of recipients:

    rcpt@example.net: 550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown

        Below is a copy of the original message:
Newer versions add a message/delivery-status part. Delay warnings ("A message is delayed for more
than ...") keep the message queued, except "Envelope expired", which is final.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, pasted_headers, split_at, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import find_command

_SUBJECT = "delivery status notification"
_SIGNATURE = lazy(r"this is the mailer-daemon, please do not reply to this e-?mail", re.I)
_LIST = lazy(r"the following\s+list of recipients:", re.I)
_LINE = lazy(r"^([^\s:]{1,256}@[^\s:]{1,256}):\s*(.+)$")  # bounded: linear on a line of "@"s
_MARKERS = ("below is a copy of the original message", "content-type: message/rfc822")

# OpenSMTPD's own texts (smtpd/mta.c, smtpd/bounce.c).
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("opensmtpd.expired", Reason.EXPIRED, lazy(r"^envelope expired", re.I)),
    ("opensmtpd.no-domain", Reason.HOSTUNKNOWN, lazy(r"^domain does not exist", re.I)),
    ("opensmtpd.no-mx", Reason.NOTACCEPT, lazy(r"^no mx found for domain", re.I)),
    ("opensmtpd.network", Reason.NETWORKERROR, lazy(r"^network error on destination mxs", re.I)),
    ("opensmtpd.loop", Reason.NETWORKERROR, lazy(r"^loop detected", re.I)),
    ("opensmtpd.credentials", Reason.SECURITYERROR, lazy(r"^could not retrieve credentials", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if _SUBJECT not in (p.raw_header("Subject") or "").lower():
        return None
    text = p.text
    if not _SIGNATURE.search(text[:1000]):
        return None
    head, tail = split_at(text, _MARKERS, p.lower)
    m = _LIST.search(head)
    if m is None:
        return None
    delayed = "a message is delayed for more than" in head.lower()
    found: list[Found] = []
    for line in lines(head[m.end():]):
        hit = _LINE.match(line)
        if hit is None:
            continue
        f = with_verdict(Found(recipient=hit.group(1), diagnostic=hit.group(2),
                               command=find_command(hit.group(2))), RULES)
        final = not delayed or f.rule == "opensmtpd.expired"
        found.append(replace(f, action="failed" if final else "delayed"))
    if not found:
        return None
    merged = merge(found, p.dsn)
    # the text knows when a "delayed" envelope has in fact expired
    merged = tuple(replace(r, action=t.action) if t.rule == "opensmtpd.expired" else r
                   for r, t in zip(merged, found, strict=False))
    return Detection(
        reporter="opensmtpd",
        recipients=merged,
        reporting_mta=p.dsn.reporting_mta if p.dsn else None,
        original=pasted_headers(tail) if p.original is None else None,
    )


# detect(): _SUBJECT in the raw subject and _SIGNATURE in the text.
GATE: Gate = (Clause(subject=(_SUBJECT,), text=("this is the mailer-daemon, please do not reply to this e",)),)
DETECTOR: Detector = Detector("opensmtpd", detect, GATE)
