"""Zoho Mail bounces (mailer-daemon@mail.zoho.com).

    This message was created automatically by mail delivery software.
    A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.

    user@example.co.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <user@example.co.jp>... User Unknown

Delay notices list "[Status: Error, Address: <user@example.co.jp>, ResponseCode 421, , Host not reachable.]".
The reply is "<code> <text>" rebuilt from the ERROR_CODE fields; Zoho's own words are classified by
analyzer.classify.zoho.SENDER_RULES. Source: the notices themselves.
"""

from __future__ import annotations

import re

from analyzer.classify import zoho
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import ADDRESS, specific_status, with_verdict
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.textutil import LINE_SPACE

_FROM = lazy(r"mailer-daemon@(?:[a-z0-9-]+\.)*zoho(?:mail)?\.(?:com|eu|in|com\.au|jp)\b", re.I)
_LINE = lazy(r"^" + LINE_SPACE + r"(" + ADDRESS.pattern + r")\s+[^,\n]*,\s*ERROR_CODE\s*:\s*(\d{3})?\s*,"
                   r"\s*ERROR_CODE\s*:\s*(.*)$", re.M)
_DELAY = lazy(r"\[Status:\s*\w+,\s*Address:\s*<(" + ADDRESS.pattern + r")>,\s*ResponseCode\s*(\d{3})?\s*,"
                    r"\s*[^,\]]*,\s*([^\]]*)\]", re.I)
_WARNING = lazy(r"this is a warning message only|will be retried", re.I)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.header("From") or ""):
        return None
    text = p.text
    delayed = bool(_WARNING.search(text[:3000]))
    found = [_found(m.group(1), m.group(2), m.group(3), delayed) for m in _LINE.finditer(text)]
    found += [_found(m.group(1), m.group(2), m.group(3), delayed) for m in _DELAY.finditer(text)]
    if not found:
        return None
    return Detection(reporter="zoho", recipients=tuple(found))


def _found(rcpt: str, code: str | None, said: str, delayed: bool) -> Found:
    said = said.strip().strip(",").strip()
    reply = f"{code} {said}".strip() if code else said
    found = Found(recipient=rcpt, action="delayed" if delayed else "failed", diagnostic=reply or None,
                  replycode=code)
    return specific_status(with_verdict(found, zoho.SENDER_RULES))


# detect(): _FROM in the decoded From.
GATE: Gate = (Clause(sender_decoded=("zoho",)),)
DETECTOR: Detector = Detector("zoho", detect, GATE)
