"""Symantec Email Security.cloud (MessageLabs) bounces.

"This is the mail delivery agent at Symantec Email Security.cloud." (older: "at messagelabs.com.")
"I was unable to deliver your message to the following addresses:" then the address and
"Reason: <reply>" (may wrap), plus a message/delivery-status part. Replies written by the service
itself (no Remote-MTA) are classified by analyzer.classify.messagelabs.RULES.
Source: the notices themselves; Broadcom Email Security.cloud documentation.
"""

from __future__ import annotations

import re

from analyzer.classify import messagelabs
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, only_address, specific_status, with_verdict
from analyzer.mime import Parsed
from analyzer.regex import lazy

_INTRO = lazy(r"this is the mail delivery agent at (?:symantec email security\.cloud|messagelabs\.com)", re.I)
_UNABLE = lazy(r"i was unable to deliver your message to the following addresses:", re.I)
_REASON = lazy(r"^\s*reason:\s*", re.I)
_END = lazy(r"^\s*the message (?:subject|date|identifier|reference) was:", re.I)


def detect(p: Parsed) -> Detection | None:
    text = p.text
    if not _INTRO.search(text[:3000]):
        return None
    start = _UNABLE.search(text)
    listed = _listed(text[start.end():]) if start else []
    founds = combine(dsn_founds(p), listed)
    if not founds:
        return None
    out = [specific_status(f if f.remote_mta else with_verdict(f, messagelabs.RULES)) for f in founds]
    dsn = p.dsn
    return Detection(reporter="messagelabs", recipients=tuple(out),
                     reporting_mta=dsn.reporting_mta if dsn else None, arrival_date=dsn.arrival_date if dsn else None)


def _listed(section: str) -> list[Found]:
    out: list[Found] = []
    rcpt: str | None = None
    reason: list[str] | None = None
    for line in section.splitlines()[:2000]:
        if _END.match(line):
            break
        addr = only_address(line)
        if addr and reason is None:
            rcpt = addr
            continue
        if rcpt and _REASON.match(line):
            reason = [_REASON.sub("", line).strip()]
        elif reason is not None and line.strip():
            reason.append(line.strip())
        elif reason is not None:
            out.append(Found(recipient=rcpt, action="failed", diagnostic=" ".join(reason), diagnostic_type="smtp"))
            rcpt, reason = None, None
    if rcpt and reason is not None:
        out.append(Found(recipient=rcpt, action="failed", diagnostic=" ".join(reason), diagnostic_type="smtp"))
    return out


# detect(): _INTRO in the text.
GATE: Gate = (Clause(text=("this is the mail delivery agent at ",)),)
DETECTOR: Detector = Detector("messagelabs", detect, GATE)
