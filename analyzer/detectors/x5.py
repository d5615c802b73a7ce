"""Unknown MTA "X5": a gateway that re-wraps the real bounce as an attached message.

The outer text is an empty Sendmail-style shell ("----- The following addresses had permanent
delivery errors -----" with no address); the attached message/rfc822 is the reporting MTA's own
multipart/report, whose delivery-status part analyzer.mime reads. Source: observed bounces
(Sisimai's "X5" family, IronPort/Mirapoint front ends).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.sendmail import read_sendmail_text
from analyzer.detectors.textscan import merge
from analyzer.mime import Parsed
from analyzer.regex import lazy

_SHELL = lazy(r"(?<!-)-{2,} the following addresses had permanent delivery errors -+", re.I)


def detect(p: Parsed) -> Detection | None:
    if "returned mail" not in (p.header("Subject") or "").lower() or not _SHELL.search(p.text[:3000]):
        return None
    dsn = p.dsn
    if dsn is None or not dsn.recipients:
        return None
    found, _ = read_sendmail_text(p.text)
    return Detection(reporter="x5", recipients=merge(found, dsn), reporting_mta=dsn.reporting_mta,
                     arrival_date=dsn.arrival_date)


# detect(): "returned mail" in the decoded subject, _SHELL in the text and DSN recipients.
GATE: Gate = (Clause(title=("returned mail",), text=("the following addresses had permanent delivery errors",),
                     dsn=True),)
DETECTOR: Detector = Detector("x5", detect, GATE)
