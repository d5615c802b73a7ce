"""fml mailing list manager notices (X-MLServer: fml): non-member posts, loop alerts.

fml answers a refused post with a notice to the poster: "You <addr> are not member (<list> ML)",
"Loop Alert: Duplicated Message-ID (<list> ML)". The failed "recipient" is the list address.
Source: fml 4.0 documentation (messages of Distribute/Loop checks) and observed notices.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy

RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("fml.not-member", Reason.REJECTED, lazy(r"are not (?:a )?member|not member article from|reject mail", re.I)),
    ("fml.loop", Reason.SYSTEMERROR, lazy(r"duplicated message-id|loop alert", re.I)),
    ("fml.security", Reason.SECURITYERROR, lazy(r"security alert", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if "fml" not in (p.raw_header("X-MLServer") or "").lower():
        return None
    subject = p.header("Subject") or ""
    text = p.text[:4000]
    hit = verdict(RULES, subject) or verdict(RULES, text)
    if hit is None:
        return None
    m = ADDRESS.search(text) if "@" in text else None
    first = next((line.strip() for line in text.splitlines() if line.strip()), subject)
    found = Found(recipient=m.group(1) if m else None, diagnostic=first, action="failed",
                  reason=hit[0], rule=hit[1], evidence=hit[2])
    return Detection(reporter="fml", recipients=(found,))


# detect(): "fml" in X-MLServer.
GATE: Gate = (Clause(headers=("x-mlserver",)),)
DETECTOR: Detector = Detector("fml", detect, GATE)
