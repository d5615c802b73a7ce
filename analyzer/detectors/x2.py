"""Unknown MTA "X2": qmail-like "Delivery failure" notices ("Message from <host>.").

    Message from example.co.jp.
    Unable to deliver message to the following address(es).

    <rcpt@example.co.jp>:
    This user doesn't have a example.co.jp account (rcpt@example.co.jp) [-9]
and a newer layout:
    Delivery failed: rcpt@example.co.jp
    192.0.2.1 failed after I sent the message.
    Remote host said[Response Message]: 554 5.4.14 Hop count exceeded - possible mail loop
    STEP: DATA SEND
Source: observed bounces (Sisimai's "X2" family; the first layout is the Yahoo! JAPAN / vpopmail style).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.qmail import read_qmail_text
from analyzer.detectors.textscan import lines, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import command_name

_NEW = lazy(r"^delivery failed: (\S+@\S+)\s*$", re.I)
_STEP = lazy(r"^step: (\w+)", re.I)
_MARKERS = ("--- below this line is a copy of the message", "--- original message follows",
            "content-type: message/rfc822")


def detect(p: Parsed) -> Detection | None:
    if "mailer-daemon" not in (p.raw_header("From") or "").lower() and "postmaster" not in (
            p.raw_header("From") or "").lower():
        return None
    text = p.text
    if p.lower.find("unable to deliver message to the following address(es).", 0, 1500) >= 0:
        found, original = read_qmail_text(text, rules=(), markers=_MARKERS)
        found = [f for f in found if f.recipient and "@" in f.recipient]
        if found:
            return Detection(reporter="x2", recipients=tuple(found), original=original if p.original is None else None)
    if p.lower.find("delivery failed: ", 0, 3000) < 0:
        return None
    return _newer(text)


def _newer(text: str) -> Detection | None:
    head, _ = split_at(text, _MARKERS)
    found: list[Found] = []
    for line in lines(head):
        m = _NEW.match(line.strip())
        if m:
            found.append(Found(recipient=m.group(1), action="failed"))
        elif found and line.strip() and not line.startswith("-"):
            step = _STEP.match(line.strip())
            last = found[-1]
            if step:
                found[-1] = Found(recipient=last.recipient, diagnostic=last.diagnostic, action="failed",
                                  command=command_name(step.group(1)))
            else:
                said = line.strip().replace("Remote host said[Response Message]:", "").strip()
                found[-1] = Found(recipient=last.recipient, action="failed", command=last.command,
                                  diagnostic=f"{last.diagnostic} {said}" if last.diagnostic else said)
    if not found:
        return None
    return Detection(reporter="x2", recipients=tuple(found))


# detect(): a mailer-daemon or postmaster sender and one of its two sentences in the text.
GATE: Gate = (Clause(sender=("mailer-daemon", "postmaster"),
                     text=("unable to deliver message to the following address(es).", "delivery failed: ")),)
DETECTOR: Detector = Detector("x2", detect, GATE)
