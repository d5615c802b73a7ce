"""Unknown MTA "X3": "Delivery status notification" framed by lines of '=' signs.

    This is an automatically generated Delivery Status Notification.
    Delivery to the following recipients failed permanently:
       * rcpt@example.com
    ============
                             Technical details:
    SMTP:RCPT host 192.0.2.8: 553 5.3.0 <rcpt@example.com>... No such user here
Source: observed bounces (Sisimai's "X3" family).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import find_command

_BODY = lazy(r"this is an automatically generated delivery status notification", re.I)
_ITEM = lazy(r"^\*\s+(\S+@\S+)$")
_HOST = lazy(r"\bhost ([0-9A-Za-z.:\-]+):")


def detect(p: Parsed) -> Detection | None:
    if "delivery status notification" not in (p.raw_header("Subject") or "").lower():
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822", "content-type: text/rfc822-headers"), p.lower)
    if not _BODY.search(head[:1000]):
        return None
    rcpts: list[str] = []
    details: list[str] = []
    in_details = False
    for line in lines(head):
        key = line.strip()
        m = _ITEM.match(key)
        if m:
            rcpts.append(m.group(1))
        elif key.lower().startswith("technical details"):
            in_details = True
        elif in_details and key and not key.startswith("==="):
            details.append(key)
        elif in_details and key.startswith("==="):
            in_details = False
    diagnostic = " ".join(details) or None
    host = _HOST.search(diagnostic or "")
    found = [Found(recipient=r, diagnostic=diagnostic, command=find_command(diagnostic),
                   remote_mta=host.group(1) if host else None) for r in rcpts]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    return Detection(reporter="x3", recipients=recipients, reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): its subject and _BODY in the text.
GATE: Gate = (Clause(subject=("delivery status notification",),
                     text=("this is an automatically generated delivery status notification",)),)
DETECTOR: Detector = Detector("x3", detect, GATE)
