"""Unknown MTA "X4": qmail-derived "failure notice" without the qmail-send greeting.

    Your mail message to the following address(es) could not be delivered. This
    is a permanent error. Please verify the addresses and try again. ...
    <rcpt@example.com>:
    child status 100...The e-mail message could not be delivered because the user's mailfolder is full.
Source: observed bounces (Sisimai's "X4" family, qmail-ldap / vpopmail based services).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.qmail import RULES, read_qmail_text
from analyzer.mime import Parsed
from analyzer.regex import lazy

_BODY = lazy(r"your mail message to the following address\(es\) could not be delivered", re.I)


def detect(p: Parsed) -> Detection | None:
    if "failure notice" not in (p.raw_header("Subject") or "").lower():
        return None
    if not _BODY.search(p.text[:1000]):
        return None
    found, original = read_qmail_text(p.text, RULES)
    if not found:
        return None
    return Detection(reporter="x4", recipients=tuple(found), original=original if p.original is None else None)


# detect(): "failure notice" in the subject and _BODY in the text.
GATE: Gate = (Clause(subject=("failure notice",),
                     text=("your mail message to the following address(es) could not be delivered",)),)
DETECTOR: Detector = Detector("x4", detect, GATE)
