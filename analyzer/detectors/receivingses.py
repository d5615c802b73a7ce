"""Amazon SES inbound (receipt rule "Bounce" action) DSNs.

A multipart/report whose text is "This message could not be delivered." and whose Reporting-MTA
is inbound-smtp.<region>.amazonaws.com. The diagnostic is one of the fixed texts of the SES bounce
templates, classified by analyzer.classify.amazon.RECEIVING_RULES (e.g. "Message content rejected"
is the content filter's refusal).
Source: Amazon SES Developer Guide, "Bounce action" (receiving-email-action-bounce.html).
"""

from __future__ import annotations

import re

from analyzer.classify import amazon
from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import dsn_founds, specific_status, with_verdict
from analyzer.mime import Parsed
from analyzer.regex import lazy

_REPORTER = lazy(r"^inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\.?$", re.I)


def detect(p: Parsed) -> Detection | None:
    dsn = p.dsn
    if dsn is None or not dsn.recipients or not _REPORTER.match((dsn.reporting_mta or "").strip()):
        return None
    return Detection(
        reporter="receivingses",
        recipients=tuple(specific_status(with_verdict(f, amazon.RECEIVING_RULES)) for f in dsn_founds(p)),
        reporting_mta=dsn.reporting_mta,
        arrival_date=dsn.arrival_date,
    )


# detect(): a DSN with recipients, from a Reporting-MTA _REPORTER matches (each match holds "inbound-smtp.").
GATE: Gate = (Clause(dsn=True, reporting_mta=("inbound-smtp.",)),)
DETECTOR: Detector = Detector("receivingses", detect, GATE)
