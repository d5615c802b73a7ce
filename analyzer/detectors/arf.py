"""ARF feedback reports (RFC 5965: multipart/report; report-type=feedback-report)."""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.dsn import field_blocks, split_type
from analyzer.mime import Parsed
from analyzer.model import Kind
from analyzer.reasons import Reason


def detect(p: Parsed) -> Detection | None:
    if not p.feedback:
        return None
    fields: dict[str, str] = {}
    for block in field_blocks(p.feedback[0]):
        for name, value in block:
            fields.setdefault(name, value)
    ftype = (fields.get("feedback-type") or "other").strip().lower() or "other"
    rcpt = split_type(fields.get("original-rcpt-to"))[1] or split_type(fields.get("removal-recipient"))[1]
    if rcpt is None and p.original is not None:
        rcpt = p.original.get("to")
    return Detection(
        reporter="arf",
        kind=Kind.FEEDBACK,
        feedback_type=ftype,
        reporting_mta=split_type(fields.get("reporting-mta"))[1],
        recipients=(
            Found(
                recipient=str(rcpt) if rcpt else None,
                reason=Reason.FEEDBACK,
                rule="arf.feedback-type",
                evidence=f"Feedback-Type: {ftype}",
                feedback_type=ftype,
                sending_ip=fields.get("source-ip"),
            ),
        ),
    )


DETECTOR = Detector("arf", detect)
