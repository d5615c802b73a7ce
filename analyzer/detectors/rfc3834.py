"""Auto-replies (RFC 3834 Auto-Submitted: auto-replied, vacation messages)."""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.mime import Parsed
from analyzer.model import Kind
from analyzer.reasons import Reason

# Subject prefixes of vacation auto-replies (Sisimai RFC3834 module, common clients).
_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|vacation|abwesend|"
    r"absence|r[ée]ponse automatique|respuesta autom[áa]tica)",
    re.I,
)


def detect(p: Parsed) -> Detection | None:
    auto = (p.raw_header("Auto-Submitted") or "").strip().lower()
    subject = p.header("Subject") or ""
    precedence = (p.raw_header("Precedence") or "").strip().lower()
    is_reply = auto.startswith("auto-replied") or bool(p.raw_header("X-Autoreply")) or bool(
        p.raw_header("X-Autorespond")
    )
    if not is_reply and not (_SUBJECT.search(subject) and precedence in ("", "bulk", "junk", "auto_reply")):
        return None
    if p.dsn is not None or p.feedback:
        return None
    to = p.header("To")
    return Detection(
        reporter="rfc3834",
        kind=Kind.AUTOREPLY,
        recipients=(
            Found(
                recipient=to,
                reason=Reason.VACATION,
                rule="rfc3834.auto-reply",
                evidence=f"Auto-Submitted: {auto}" if auto else f"Subject: {subject}",
            ),
        ),
    )


DETECTOR = Detector("rfc3834", detect)
