"""Verizon Wireless MMS/SMS gateway bounces (vzwpix.com MMSC, vtext.com).

    Message could not be delivered to mobile.
    Error: No valid recipients for this MM
    Original Message: ... To: 5555550100@vzwpix.com
or (vtext.com)
    Error: Invalid user address
    Error message below:
    550 - Requested action not taken: no such user here
    ... RCPT TO: 5555550100@vtext.com
Source: observed Verizon gateway notifications.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.textutil import LINE_SPACE

_FROM = lazy(r"@(?:[a-z0-9.-]+\.)?(?:vzwpix|vtext)\.com", re.I)
_RCPT = lazy(r"^(?:RCPT TO|To):\s*<?([^\s<>]+@[^\s<>]+)>?", re.I)
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("verizon.no-valid-recipient", Reason.USERUNKNOWN,
     lazy(r"no valid recipients for this mm|invalid user address", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    text = p.text
    errors = [line.strip() for line in lines(text) if line.strip().lower().startswith("error")]
    if not errors:
        return None
    rcpt = next((m.group(1) for m in (_RCPT.match(line.strip()) for line in lines(text)) if m), None)
    reply = re.search(r"^" + LINE_SPACE + r"([45]\d\d\b.*)$", text, re.M)
    diagnostic = " ".join([*errors, reply.group(1).strip()] if reply else errors)
    hit = verdict(RULES, diagnostic)
    found = Found(recipient=rcpt, diagnostic=diagnostic, action="failed",
                  reason=hit[0] if hit else None, rule=hit[1] if hit else None, evidence=hit[2] if hit else None)
    return Detection(reporter="verizon", recipients=(found,))


# detect(): _FROM in the raw From.
GATE: Gate = (Clause(sender=("vzwpix.com", "vtext.com")),)
DETECTOR: Detector = Detector("verizon", detect, GATE)
