"""Generic RFC 3464 delivery status notifications (multipart/report; report-type=delivery-status).

Also reads delivery-status fields that a gateway or a forwarding user pasted into the text
("Final-Recipient: rfc822; ..." lines without a message/delivery-status part), and takes the SMTP
command and a fuller reply from the human-readable part when it quotes one for the recipient.
Source: RFC 3464 sections 2.2 and 2.3.
"""

from __future__ import annotations

from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found, from_dsn_recipient
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines
from analyzer.dsn import DsnReport, parse_dsn
from analyzer.mime import Parsed
from analyzer.smtp import find_command

_PASTED = ("reporting-mta:", "final-recipient:")


def detect(p: Parsed) -> Detection | None:
    dsn = p.dsn
    if dsn is None or not dsn.recipients:
        dsn = _pasted(p)
        if dsn is None or not dsn.recipients:
            return None
    found = [_from_text(from_dsn_recipient(r), p) for r in dsn.recipients]
    return Detection(
        reporter="rfc3464",
        recipients=tuple(found),
        reporting_mta=dsn.reporting_mta,
        received_from_mta=dsn.received_from_mta,
        arrival_date=dsn.arrival_date,
    )


def _pasted(p: Parsed) -> DsnReport | None:
    """Delivery-status fields pasted into the text, from the first Reporting-MTA/Final-Recipient line."""
    low = p.lower
    starts = [i for i in (low.find(marker) for marker in _PASTED) if i >= 0]
    if not starts or low.find("final-recipient:") < 0:
        return None
    start = low.rfind("\n", 0, min(starts)) + 1
    return parse_dsn(p.text[start:start + 65536])


def _from_text(f: Found, p: Parsed) -> Found:
    """The SMTP command, when the human-readable part names one on the recipient's line."""
    if f.command is not None or not f.recipient or not p.plain:
        return f
    target = f.recipient.lower()
    for line in lines(p.text[:65536]):
        if target in line.lower():
            command = find_command(line)
            if command is not None:
                return replace(f, command=command)
    return f


# detect(): DSN recipients, or delivery-status fields pasted in the text (_pasted).
GATE: Gate = (Clause(dsn=True), Clause(text=("final-recipient:",)))
DETECTOR: Detector = Detector("rfc3464", detect, GATE)
