"""HCL (IBM Lotus) Domino bounces: "DELIVERY FAILURE: ..." / "DELIVERY_FAILURE: ...".

    Your message
      Subject: ...
    was not delivered to:
      rcpt@example.net
    because:
      User Neko (rcpt@example.net) not listed in Domino Directory
often with a message/delivery-status part (Diagnostic-Code type X-Notes). Localized servers write
the "because" text in their language (Japanese: "... は Domino ディレクトリには見つかりません。").
Source: Domino router error messages (HCL Domino administrator documentation) and observed bounces.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy

_SUBJECT = lazy(r"^\s*delivery[ _]failure:", re.I)
_MARKERS = ("content-type: message/rfc822", "content-type: text/rfc822-headers")

# Domino router texts.
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("domino.not-in-directory", Reason.USERUNKNOWN, lazy(
        r"not listed in (?:the )?(?:domino directory|public name & address book)|domino ディレクトリには見つかりません|"
        r"no such user|user .{0,60} not listed", re.I)),
    ("domino.hop-count", Reason.NETWORKERROR, lazy(r"maximum hop count exceeded|routing loop", re.I)),
    ("domino.no-route", Reason.HOSTUNKNOWN, lazy(r"no route found to domain|unable to find a route", re.I)),
    ("domino.full", Reason.MAILBOXFULL, lazy(r"mail ?file is full|exceeded .{0,20}quota", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if not _SUBJECT.match(p.header("Subject") or ""):
        return None
    head, _ = split_at(p.text, _MARKERS, p.lower)
    low = head.lower()
    if "was not delivered to:" not in low or "because:" not in low:
        return None
    rcpts: list[str] = []
    because: list[str] = []
    section = ""
    for line in lines(head):
        key = line.strip().lower()
        if key == "was not delivered to:":
            section = "to"
        elif key == "because:":
            section = "because"
        elif not key:
            continue
        elif section == "to" and "@" in key:
            rcpts.append(line.strip())
        elif section == "because":
            because.append(line.strip())
    diagnostic = " ".join(because) or None
    found = [with_verdict(Found(recipient=r, diagnostic=diagnostic), RULES) for r in rcpts]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    if diagnostic:  # the DSN part repeats the reason, often with raw bytes; the text is decoded
        recipients = tuple(with_verdict(r, RULES) for r in recipients)
    return Detection(reporter="domino", recipients=recipients,
                     reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): _SUBJECT in the decoded subject and "was not delivered to:" in the text.
GATE: Gate = (Clause(title=("delivery failure:", "delivery_failure:"), text=("was not delivered to:",)),)
DETECTOR: Detector = Detector("domino", detect, GATE)
