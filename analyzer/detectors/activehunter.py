"""ActiveHunter (TransWARE, Japan) bounces: "FAILURE NOTICE : <subject>" (X-AHMAILID header).

A Sendmail-like text whose failed addresses are prefixed with ">>>":
      ----- The following addresses had permanent fatal errors -----
    >>> rcpt@example.org <rcpt@example.org>
      ----- Transcript of session follows -----
    550 sorry, no mailbox here by that name (#5.1.1 - chkusr)
Source: observed ActiveHunter bounces.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy

_ADDR = lazy(r"^>>> (\S+@\S+)")
_TRANSCRIPT = lazy(r"(?<!-)-{2,} transcript of session follows -+", re.I)


def detect(p: Parsed) -> Detection | None:
    if not p.raw_header("X-AHMAILID") or not (p.raw_header("Subject") or "").startswith("FAILURE NOTICE"):
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822",), p.lower)
    rcpts = [m.group(1) for m in (_ADDR.match(line.strip()) for line in lines(head)) if m]
    t = _TRANSCRIPT.search(head)
    reply = " ".join(x.strip() for x in lines(head[t.end():]) if x.strip()) if t else ""
    recipients = merge([Found(recipient=r, diagnostic=reply or None) for r in rcpts], p.dsn)
    if not recipients:
        return None
    return Detection(reporter="activehunter", recipients=recipients)


# detect(): X-AHMAILID and a "FAILURE NOTICE" subject.
GATE: Gate = (Clause(headers=("x-ahmailid",), subject=("failure notice",)),)
DETECTOR: Detector = Detector("activehunter", detect, GATE)
