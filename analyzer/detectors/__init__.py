"""The ordered registry of NDR detectors. First match wins; order matters.

Vendor formats come first (they know more than the generic DSN), then the standards:
RFC 5965 feedback, RFC 3464 delivery status, RFC 3834 auto-replies.
"""

from __future__ import annotations

from analyzer.detectors import arf, rfc3464, rfc3834
from analyzer.detectors import postfix  # MTA formats
from analyzer.detectors import exchange2003, exchange2007, office365, outlook  # providers
from analyzer.detectors.base import Detection, Detector, Found

DETECTORS: tuple[Detector, ...] = (
    arf.DETECTOR,
    office365.DETECTOR,  # providers: Exchange Online before on-premises Exchange
    exchange2007.DETECTOR,
    exchange2003.DETECTOR,
    outlook.DETECTOR,
    postfix.DETECTOR,
    rfc3464.DETECTOR,
    rfc3834.DETECTOR,
)

__all__ = ["DETECTORS", "Detection", "Detector", "Found"]
