"""BIGLOBE (biglobe.ne.jp) bounces: "Returned mail: ...".

       ----- The following addresses had delivery problems -----
    rcpt@example.biglobe.ne.jp
       ----- Non-delivered information -----
    The number of messages in recipient's mailbox exceeded the local limit.
Source: observed BIGLOBE notifications.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, lines, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy

_FROM = lazy(r"@(?:[a-z0-9.-]+\.)?biglobe\.ne\.jp", re.I)
_ADDRS = lazy(r"^\s*-+ the following addresses had delivery problems -+\s*$", re.I)
_INFO = lazy(r"^\s*-+ non-delivered information -+\s*$", re.I)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822",), p.lower)
    rcpts: list[str] = []
    info: list[str] = []
    section = ""
    for line in lines(head):
        if _ADDRS.match(line):
            section = "addrs"
        elif _INFO.match(line):
            section = "info"
        elif section == "addrs" and "@" in line and (addr := ADDRESS.search(line)):
            rcpts.append(addr.group(1))
        elif section == "info" and line.strip():
            info.append(line.strip())
    if not rcpts:
        return None
    diagnostic = " ".join(info) or None
    return Detection(reporter="biglobe",
                     recipients=tuple(Found(recipient=r, diagnostic=diagnostic, action="failed") for r in rcpts))


# detect(): _FROM in the raw From.
GATE: Gate = (Clause(sender=("biglobe.ne.jp",)),)
DETECTOR: Detector = Detector("biglobe", detect, GATE)
