"""Unknown MTA "X1": "Returned Mail: ..." from "Mail Deliver(y) System" with bracketed reasons.

    The original message was received at Thu, 29 Apr 2010 23:34:45 +0900 (JST)
    from sender@example.jp
    ---The following addresses had delivery errors---
    rcpt@example.co.jp [User unknown]
Source: observed bounces (Sisimai's "X1" family).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy

_FROM = lazy(r"mail deliver(?:y)? system", re.I)
_LIST = lazy(r"^-{3}the following addresses had delivery errors-{3}$", re.I)
_LINE = lazy(r"^(\S{1,256}@\S{1,256})\s+\[(.*)\]\s*$")  # bounded: linear on a line of "@"s


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    if p.lower.find("the following addresses had delivery errors", 0, 5000) < 0:
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822",), p.lower)
    rows = [line.strip() for line in lines(head)]
    try:
        start = next(i for i, line in enumerate(rows) if _LIST.match(line))
    except StopIteration:
        return None
    found = [Found(recipient=m.group(1), diagnostic=m.group(2), action="failed")
             for m in (_LINE.match(line) for line in rows[start + 1:]) if m]
    if not found:
        return None
    return Detection(reporter="x1", recipients=tuple(found))


# detect(): _FROM in the raw From and its list header in the text.
GATE: Gate = (Clause(sender=("mail deliver",), text=("the following addresses had delivery errors",)),)
DETECTOR: Detector = Detector("x1", detect, GATE)
