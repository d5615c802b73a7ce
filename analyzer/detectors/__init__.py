"""The ordered registry of NDR detectors. First match wins; order matters.

Vendor formats come first (they know more than the generic DSN), then the standards:
RFC 5965 feedback, RFC 3464 delivery status, RFC 3834 auto-replies.
"""

from __future__ import annotations

from analyzer.detectors import arf, rfc3464, rfc3834
from analyzer.detectors.base import Detection, Detector, Found

DETECTORS: tuple[Detector, ...] = (
    arf.DETECTOR,
    rfc3464.DETECTOR,
    rfc3834.DETECTOR,
)

__all__ = ["DETECTORS", "Detection", "Detector", "Found"]
