"""Unknown MTA "X6": "There was an error sending your mail" with bracketed server replies.

    We had trouble delivering your message. Full details follow:
    1 error(s):
    SMTP Server <mx.example.org> rejected recipient <rcpt@example.org> (Error following RCPT command).
    It responded as follows: [550 5.1.1 User unknown]
or
    The following recipients returned permanent errors: rcpt@example.org. Reason: SMTP Server <192.0.2.1>
    refused to accept your message (DATA), with the following error message: [554 5.4.6 Hop count exceeded]
Source: observed bounces (Sisimai's "X6" family).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import find_command

_BODY = "we had trouble delivering your message. full details follow:"
_REJECTED = lazy(r"SMTP Server <([^>]*)> rejected recipient <([^>]+)> \(Error following (\w+) command\)\."
                       r"\s*It responded as follows: \[([^\]]*)\]", re.I)
_PERMANENT = lazy(r"The following recipients returned permanent errors: ([^\s,]+@[^\s,]+?)\.?\s+Reason: "
                        r"(SMTP Server <([^>]*)>.*?)(?=\n\n|\Z)", re.I | re.S)


def detect(p: Parsed) -> Detection | None:
    if "there was an error sending your mail" not in (p.raw_header("Subject") or "").lower():
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822", "content-type: text/rfc822-headers"), p.lower)
    if _BODY not in head.lower():
        return None
    found: list[Found] = []
    for m in _REJECTED.finditer(head):
        found.append(Found(recipient=m.group(2), remote_mta=m.group(1), diagnostic=m.group(4),
                           command=find_command(f"error following {m.group(3)} command"), action="failed"))
    for m in _PERMANENT.finditer(head):
        text = " ".join(m.group(2).split())
        reply = re.search(r"\[([^\]]+)\]\s*$", text)
        found.append(Found(recipient=m.group(1), remote_mta=m.group(3), action="failed",
                           diagnostic=reply.group(1) if reply else text, command=find_command(text)))
    if not found:
        return None
    return Detection(reporter="x6", recipients=tuple(found))


# detect(): its subject and _BODY in the text.
GATE: Gate = (Clause(subject=("there was an error sending your mail",), text=(_BODY,)),)
DETECTOR: Detector = Detector("x6", detect, GATE)
