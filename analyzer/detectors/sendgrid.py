"""SendGrid bounces: "This is an automatically generated message from SendGrid."

A multipart/report whose text lists one line per recipient::

    user:000000:<user@example.jp> : 192.0.2.250 : mx.example.jp:[192.0.2.153] : 550 5.1.1 ... in RCPT TO

(local part, queue id, address, SendGrid's sending IP, the receiving host and its IP, the reply and
the SMTP command) and whose delivery-status part may say "Action: expired" with an empty Status
when SendGrid gave up (reason expired).
Source: the notices themselves; SendGrid docs "Bounces" (docs.sendgrid.com/ui/sending-email/bounces).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, specific_status
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import lazy

_INTRO = lazy(r"this is an automatically generated message from sendgrid", re.I)
_LINE = lazy(r"^[^:\s]*:\d+:<(?P<rcpt>[^<>\s]+@[^<>\s]+)>\s*:\s*(?P<ip>[0-9A-Fa-f.:]+)\s*:\s*"
                   r"(?:(?P<host>[A-Za-z0-9.-]+):\[(?P<hostip>[0-9A-Fa-f.:]+)\]\s*:\s*)?(?P<reply>.+)$", re.M)
_COMMAND = lazy(r"(?<!\s)\s+in (RCPT TO|MAIL FROM|DATA|connect|EHLO|HELO)\s*$", re.I)


def detect(p: Parsed) -> Detection | None:
    text = p.text
    if not _INTRO.search(text[:3000]):
        return None
    listed: list[Found] = []
    for m in _LINE.finditer(text):
        reply = m.group("reply").strip()
        cmd = _COMMAND.search(reply)
        command = cmd.group(1).split()[0].upper() if cmd else None
        listed.append(Found(recipient=m.group("rcpt"), remote_mta=m.group("host"), sending_ip=m.group("ip"),
                            diagnostic=reply[: cmd.start()] if cmd else reply,
                            command="CONN" if command == "CONNECT" else command))
    founds = combine(dsn_founds(p), listed)
    if not founds:
        return None
    dsn = p.dsn
    return Detection(reporter="sendgrid", recipients=tuple(_finish(f) for f in founds),
                     reporting_mta=dsn.reporting_mta if dsn else None)


def _finish(found: Found) -> Found:
    if (found.action or "").lower() == "expired":  # SendGrid's own action word: it gave up retrying
        found = replace(found, action="failed", reason=Reason.EXPIRED, rule="sendgrid.action-expired",
                        evidence="Action: expired")
    return specific_status(found)


# detect(): _INTRO in the text.
GATE: Gate = (Clause(text=("this is an automatically generated message from sendgrid",)),)
DETECTOR: Detector = Detector("sendgrid", detect, GATE)
