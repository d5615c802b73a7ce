"""McAfee Email Gateway / Email and Web Security Appliance bounces: "Delivery Status".

The notification lists "<rcpt>   (reason)" lines under "--- The following addresses had delivery
problems ---" and comes with a message/delivery-status part. Recognised by its X-NAI-Header.
Source: observed McAfee EWS bounces.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import find_command

_LIST = lazy(r"(?<!-)-{2,} the following addresses had delivery problems -+", re.I)
_LINE = lazy(r"^<([^>]+)>\s+\((.*)\)\s*$")


def detect(p: Parsed) -> Detection | None:
    if "mcafee" not in (p.raw_header("X-NAI-Header") or "").lower():
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822",), p.lower)
    m = _LIST.search(head)
    if m is None:
        return None
    found = [Found(recipient=hit.group(1), diagnostic=hit.group(2), command=find_command(hit.group(2)))
             for hit in (_LINE.match(line.strip()) for line in lines(head[m.end():])) if hit]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    dsn = p.dsn
    return Detection(reporter="mcafee", recipients=recipients, reporting_mta=dsn.reporting_mta if dsn else None)


# detect(): "mcafee" in X-NAI-Header.
GATE: Gate = (Clause(headers=("x-nai-header",)),)
DETECTOR: Detector = Detector("mcafee", detect, GATE)
