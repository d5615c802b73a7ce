"""Feedback reports: ARF (RFC 5965, multipart/report; report-type=feedback-report) and look-alikes.

Also read, as feedback without an ARF part:
- Microsoft JMRP / SNDS complaints ("complaint about message from <ip>" from staff@hotmail.com with
  the complained-about message attached; X-HmXmrOriginalRecipient names the complaining recipient),
- one-click unsubscribe messages sent by mail clients (Apple Mail's "X-Apple-Unsubscribe: true").
Each Original-Rcpt-To (or Removal-Recipient) of an ARF report is one recipient.
Sources: RFC 5965 section 3.1 and 3.2; Microsoft JMRP documentation (sendersupport.olc.protection.outlook.com/pm/jmrp);
RFC 8058 (one-click unsubscribe).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.dsn import field_blocks, split_type
from analyzer.mime import Parsed
from analyzer.model import Kind
from analyzer.reasons import Reason
from analyzer.regex import lazy

_JMRP_SUBJECT = lazy(r"^\s*complaint about message from ", re.I)
_JMRP_FROM = lazy(r"@(?:hotmail|outlook|msn|live)\.com\b", re.I)
_IP = lazy(r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})", re.I)


def detect(p: Parsed) -> Detection | None:
    if p.feedback:
        return _arf(p)
    if _JMRP_SUBJECT.match(p.raw_header("Subject") or "") and _JMRP_FROM.search(p.raw_header("From") or ""):
        return _jmrp(p)
    if (p.raw_header("X-Apple-Unsubscribe") or "").strip().lower() == "true":
        return _unsubscribe(p)
    return None


def _arf(p: Parsed) -> Detection:
    fields: dict[str, str] = {}
    rcpts: list[str | None] = []
    for block in field_blocks(p.feedback[0]):
        for name, value in block:
            fields.setdefault(name, value)
            if name in ("original-rcpt-to", "removal-recipient"):
                rcpt = split_type(value)[1]
                if rcpt and rcpt not in rcpts:
                    rcpts.append(rcpt)
    ftype = (fields.get("feedback-type") or "other").strip().lower() or "other"
    if not rcpts and p.original is not None and p.original.get("to"):
        rcpts.append(str(p.original.get("to")))
    return _detection("arf", ftype, rcpts or [None], f"Feedback-Type: {ftype}", source_ip=fields.get("source-ip"),
                      reporting_mta=split_type(fields.get("reporting-mta"))[1], rule="arf.feedback-type")


def _jmrp(p: Parsed) -> Detection:
    original = p.original
    rcpt = None
    if original is not None:
        rcpt = original.get("X-HmXmrOriginalRecipient") or original.get("To")
    m = _IP.search((p.raw_header("Subject") or "")[len("complaint about message from"):])
    return _detection("arf", "abuse", [str(rcpt) if rcpt else None], (p.header("Subject") or "").strip(),
                      source_ip=m.group(1) if m else None, reporting_mta=None, rule="arf.jmrp-complaint")


def _unsubscribe(p: Parsed) -> Detection:
    return _detection("arf", "opt-out", [p.header("From")], "X-Apple-Unsubscribe: true", source_ip=None,
                      reporting_mta=None, rule="arf.unsubscribe-request")


def _detection(reporter: str, ftype: str, rcpts: list[str | None], evidence: str, *, source_ip: str | None,
               reporting_mta: str | None, rule: str) -> Detection:
    return Detection(
        reporter=reporter,
        kind=Kind.FEEDBACK,
        feedback_type=ftype,
        reporting_mta=reporting_mta,
        recipients=tuple(
            Found(recipient=r, reason=Reason.FEEDBACK, rule=rule, evidence=evidence, feedback_type=ftype,
                  sending_ip=source_ip)
            for r in rcpts
        ),
    )


# detect() finds something only for a feedback-report part, a JMRP complaint (its subject from a Microsoft
# consumer domain) or X-Apple-Unsubscribe: true.
GATE: Gate = (
    Clause(feedback=True),
    Clause(subject=("complaint about message from ",),
           sender=("@hotmail.com", "@outlook.com", "@msn.com", "@live.com")),
    Clause(headers=("x-apple-unsubscribe",)),
)
DETECTOR: Detector = Detector("arf", detect, GATE)
