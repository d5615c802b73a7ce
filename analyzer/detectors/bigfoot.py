"""Bigfoot (bigfoot.com forwarding) bounces: a Sendmail-style report from MAILER-DAEMON@bigfoot.com.

The text is Sendmail's (failed addresses, then the transcript with ">>> RCPT TO" / "<<< 553 ..."),
with a message/delivery-status part. Source: observed Bigfoot bounces.
"""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.sendmail import read_sendmail_text
from analyzer.detectors.textscan import merge
from analyzer.mime import Parsed


def detect(p: Parsed) -> Detection | None:
    if "@bigfoot.com" not in (p.raw_header("From") or "").lower():
        return None
    found, original = read_sendmail_text(p.text)
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    return Detection(reporter="bigfoot", recipients=recipients, reporting_mta=p.dsn.reporting_mta if p.dsn else None,
                     original=original if p.original is None else None)


# detect(): "@bigfoot.com" in the raw From.
GATE: Gate = (Clause(sender=("@bigfoot.com",)),)
DETECTOR: Detector = Detector("bigfoot", detect, GATE)
