"""MailFoundry gateway bounces: "Message delivery has failed".

    Unable to deliver message to: <rcpt@example.org>
    Delivery failed for the following reason:
    Server mx.example.org[192.0.2.1] failed with: 550 <rcpt@example.org> No such user here
    This has been a permanent failure.  No further delivery attempts will be made.
Source: observed MailFoundry bounces.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy

_TO = lazy(r"^unable to deliver message to: <([^>]+)>", re.I)
_HOST = lazy(r"^(?:server )?([A-Za-z0-9.\-]+)\[[^\]]*\]", re.I)


def detect(p: Parsed) -> Detection | None:
    if (p.raw_header("Subject") or "").strip().lower() != "message delivery has failed":
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822",), p.lower)
    rcpt: str | None = None
    reason: list[str] = []
    collecting = False
    for line in lines(head):
        key = line.strip()
        m = _TO.match(key)
        if m:
            rcpt = m.group(1)
        elif key.lower().startswith("delivery failed for the following reason"):
            collecting = True
        elif collecting and (not key or key.lower().startswith("this has been a")):
            collecting = bool(not key and not reason)
        elif collecting:
            reason.append(key)
    if rcpt is None:
        return None
    diagnostic = " ".join(reason) or None
    host = _HOST.match(diagnostic or "")
    found = Found(recipient=rcpt, diagnostic=diagnostic, remote_mta=host.group(1) if host else None, action="failed")
    return Detection(reporter="mailfoundry", recipients=(found,))


# detect(): its subject.
GATE: Gate = (Clause(subject=("message delivery has failed",)),)
DETECTOR: Detector = Detector("mailfoundry", detect, GATE)
