"""Generic RFC 3464 delivery status notifications (multipart/report; report-type=delivery-status)."""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector, from_dsn_recipient
from analyzer.mime import Parsed


def detect(p: Parsed) -> Detection | None:
    dsn = p.dsn
    if dsn is None or not dsn.recipients:
        return None
    return Detection(
        reporter="rfc3464",
        recipients=tuple(from_dsn_recipient(r) for r in dsn.recipients),
        reporting_mta=dsn.reporting_mta,
        received_from_mta=dsn.received_from_mta,
        arrival_date=dsn.arrival_date,
    )


DETECTOR = Detector("rfc3464", detect)
