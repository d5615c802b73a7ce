"""Barracuda Spam Firewall bounces: "**Message you sent blocked by our bulk email filter**".

    Your message to: rcpt@example.org
    was blocked by our Spam Firewall. The email you sent with the following subject has NOT BEEN DELIVERED:
with a message/delivery-status part carrying the reply ("550 5.7.1 Message content rejected, UBE").
Source: observed Barracuda Spam & Virus Firewall notifications.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import merge
from analyzer.mime import Parsed
from analyzer.regex import lazy

_TO = lazy(r"your message to:\s*(\S+@\S+)\s+was blocked by our (spam[^.]*)", re.I)


def detect(p: Parsed) -> Detection | None:
    subject = (p.raw_header("Subject") or "").lower()
    if "blocked by our bulk email filter" not in subject and "blocked by our spam firewall" not in subject:
        return None
    m = _TO.search(p.text[:2000])
    found = [Found(recipient=m.group(1), diagnostic=f"blocked by our {m.group(2)}")] if m else []
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    return Detection(reporter="barracuda", recipients=recipients,
                     reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): its subject.
GATE: Gate = (Clause(subject=("blocked by our bulk email filter", "blocked by our spam firewall")),)
DETECTOR: Detector = Detector("barracuda", detect, GATE)
