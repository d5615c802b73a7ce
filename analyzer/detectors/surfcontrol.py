"""SurfControl E-mail Filter bounces (X-SEF-Processed, X-Mailer: SurfControl E-mail Filter).

    Your message could not be sent.
    A transcript of the attempts to send the message follows.
    ...
    Failed to send to identified host,
    rcpt@example.net: [192.0.2.5], 550 rcpt@example.net... No such user
    --- Message non-deliverable.
with a message/delivery-status part. Source: observed SurfControl bounces.
"""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge
from analyzer.mime import Parsed
from analyzer.regex import lazy

_LINE = lazy(r"^([^\s:]{1,256}@[^\s:]{1,256}): \[([^\]]*)\],\s*(.*)$")


def detect(p: Parsed) -> Detection | None:
    if not p.raw_header("X-SEF-Processed") and "surfcontrol" not in (p.raw_header("X-Mailer") or "").lower():
        return None
    text = p.text
    if "your message could not be sent." not in text[:500].lower():
        return None
    found = [Found(recipient=m.group(1), diagnostic=m.group(3), remote_mta=m.group(2))
             for m in (_LINE.match(line.strip()) for line in lines(text)) if m]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    return Detection(reporter="surfcontrol", recipients=recipients,
                     reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): X-SEF-Processed or X-Mailer, and its sentence in the text.
GATE: Gate = (Clause(headers=("x-sef-processed", "x-mailer"), text=("your message could not be sent.",)),)
DETECTOR: Detector = Detector("surfcontrol", detect, GATE)
