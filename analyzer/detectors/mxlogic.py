"""MX Logic (McAfee SaaS Email Protection) bounces: Exim-derived "Mail delivery failed".

The text is Exim's ("This message was created automatically by mail delivery software."), with
"<rcpt>: 550 ..." address lines and "Included is a copy of the message header:"; recognised by
the X-MXL-NoteHash / X-MX-Bounce headers or an mxlogic.net sender.
"""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.exim import read_exim_text
from analyzer.detectors.gate import Clause, Gate
from analyzer.mime import Parsed


def detect(p: Parsed) -> Detection | None:
    if not (p.raw_header("X-MXL-NoteHash") or p.raw_header("X-MXL-Hash") or p.raw_header("X-MX-Bounce")
            or "mxlogic.net" in (p.raw_header("From") or "").lower()):
        return None
    found, original = read_exim_text(p.text, p.raw_header("X-Failed-Recipients"))
    if not found:
        return None
    return Detection(reporter="mxlogic", recipients=tuple(found), original=original if p.original is None else None)


# detect(): an X-MXL-* / X-MX-Bounce header or an mxlogic.net sender.
GATE: Gate = (Clause(headers=("x-mxl-notehash", "x-mxl-hash", "x-mx-bounce")), Clause(sender=("mxlogic.net",)))
DETECTOR: Detector = Detector("mxlogic", detect, GATE)
