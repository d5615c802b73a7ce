"""Auto-replies (RFC 3834 Auto-Submitted: auto-replied, vacation and out-of-office messages).

Bounces carry "Auto-Submitted: auto-replied" too, so a message from a mailer daemon or with a bounce
subject is never an auto-reply here (the bounce detectors come first; this guards the ones they miss).
An auto-reply that says the mailbox is no longer in use is a failure (suspend), not a vacation notice.
The recipient is the address that replied (Reply-To, else From).
Sources: RFC 3834 sections 2 and 3.1.7; Sisimai v5 lib/Sisimai/RFC3834.pm (subject and header signs).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.mime import Parsed
from analyzer.model import Kind
from analyzer.reasons import Reason
from analyzer.regex import lazy

# Subject prefixes of vacation auto-replies (common clients and servers, several languages).
_SUBJECT = lazy(
    r"^\s*(auto(matic)?[ -]?(reply|response|respons|antwort|risposta)|out of (the )?office|vacation|abwesend|"
    r"absence|r[ée]ponse automatique|respuesta autom[áa]tica|autosvar|automatisch antwoord|自動応答|不在)",
    re.I,
)
_NOT_REPLY = lazy(r"mailer-daemon|postmaster|mail delivery (?:system|subsystem)", re.I)
_BOUNCE_SUBJECT = lazy(r"undeliver|returned mail|delivery (?:status|failure|notification)|failure notice|"
                             r"mail delivery failed|non[- ]?delivery|delivery has failed", re.I)
# An auto-reply announcing that the mailbox is gone or unattended for good.
_GONE = lazy(
    r"(?:inbox|mailbox|address|account)\b.{0,80}\bno longer (?:in use|active|monitored|valid|exists?)|"
    r"no longer (?:in use|monitored)|(?:mailbox|account) (?:has been|is) (?:closed|deactivated|deleted)",
    re.I,
)


def detect(p: Parsed) -> Detection | None:
    if p.dsn is not None or p.feedback:
        return None
    auto = (p.raw_header("Auto-Submitted") or "").strip().lower()
    subject = p.header("Subject") or ""
    precedence = (p.raw_header("Precedence") or "").strip().lower()
    is_reply = auto.startswith("auto-replied") or bool(p.raw_header("X-Autoreply")) or bool(
        p.raw_header("X-Autorespond")
    )
    if not is_reply and not (_SUBJECT.search(subject) and precedence in ("", "bulk", "junk", "auto_reply")):
        return None
    if _NOT_REPLY.search(p.raw_header("From") or "") or _BOUNCE_SUBJECT.search(subject):
        return None
    replier = p.header("Reply-To") or p.header("From")
    gone = _GONE.search(p.text[:2000])
    if gone is not None:
        found = Found(recipient=replier, action="failed", diagnostic=" ".join(p.text[:500].split()),
                      reason=Reason.SUSPEND, rule="rfc3834.mailbox-gone", evidence=gone.group(0))
        return Detection(reporter="rfc3834", recipients=(found,))
    return Detection(
        reporter="rfc3834",
        kind=Kind.AUTOREPLY,
        recipients=(
            Found(
                recipient=replier,
                reason=Reason.VACATION,
                rule="rfc3834.auto-reply",
                evidence=f"Auto-Submitted: {auto}" if auto else f"Subject: {subject}",
            ),
        ),
    )


# detect(): an auto-reply header, or _SUBJECT in the decoded subject.
GATE: Gate = (
    Clause(headers=("auto-submitted", "x-autoreply", "x-autorespond")),
    Clause(title=("auto", "out of ", "vacation", "abwesend", "absence", "ponse automatique", "respuesta autom",
                  "自動応答", "不在")),
)
DETECTOR: Detector = Detector("rfc3834", detect, GATE)
