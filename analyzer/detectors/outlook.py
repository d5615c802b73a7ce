"""Legacy Hotmail / Outlook.com (Windows Live) DSNs: "Delivery to the following recipients failed."

Written by Hotmail's outbound servers (Reporting-MTA *.hotmail.com, X-Message-Delivery and
X-DSNContext headers) before Outlook.com moved to Exchange Online (whose NDRs the office365
detector reads). The text names only the recipients; the delivery-status part has the rest, and
Hotmail's own refusal texts decide the reason (analyzer.classify.microsoft.HOTMAIL_RULES).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.classify import microsoft
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, only_address, with_verdict
from analyzer.mime import Parsed
from analyzer.regex import lazy

_INTRO = lazy(r"this is an automatically generated delivery status notification", re.I)
_DELAYED = lazy(r"delivery to the following recipients has been delayed", re.I)
_FAILED = lazy(r"delivery to the following recipients failed", re.I)
_HOTMAIL = lazy(r"\b(?:hotmail|outlook|live|msn)\.(?:com|[a-z]{2})\b|\bphx\.gbl\b", re.I)


def _is_hotmail(p: Parsed) -> bool:
    if "X-Message-Delivery" in p.msg or "X-Message-Info" in p.msg:
        return True
    where = " ".join(x or "" for x in (p.header("From"), p.dsn.reporting_mta if p.dsn else None))
    return bool(_HOTMAIL.search(where))


def detect(p: Parsed) -> Detection | None:
    text = p.text[:20000]
    if not _INTRO.search(text) or not _is_hotmail(p):
        return None
    delayed = bool(_DELAYED.search(text)) and not _FAILED.search(text)
    listed = [Found(recipient=a) for a in (only_address(x) for x in text.splitlines()) if a]
    founds = combine(dsn_founds(p), listed)
    if not founds:
        return None
    action = "delayed" if delayed else "failed"
    out = [with_verdict(f if f.action else replace(f, action=action), microsoft.HOTMAIL_RULES) for f in founds]
    dsn = p.dsn
    return Detection(
        reporter="outlook",
        recipients=tuple(out),
        reporting_mta=dsn.reporting_mta if dsn else None,
        received_from_mta=dsn.received_from_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
    )


# detect(): _INTRO in the text and _is_hotmail (its headers, or _HOTMAIL in the decoded From or the Reporting-MTA).
_HOTMAIL_WORDS = ("hotmail.", "outlook.", "live.", "msn.", "phx.gbl")
_INTRO_WORDS = ("this is an automatically generated delivery status notification",)
GATE: Gate = (
    Clause(headers=("x-message-delivery", "x-message-info"), text=_INTRO_WORDS),
    Clause(sender_decoded=_HOTMAIL_WORDS, text=_INTRO_WORDS),
    Clause(reporting_mta=_HOTMAIL_WORDS, text=_INTRO_WORDS),
)
DETECTOR: Detector = Detector("outlook", detect, GATE)
