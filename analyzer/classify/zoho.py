"""Zoho Mail's own bounce texts -> reason.

Source: Zoho Mail help "Email bounce-back / delivery failure reasons" (zoho.com/mail/help/
email-bounce-back.html): "Host not reachable" when the recipient's servers cannot be reached
(Zoho keeps retrying, then gives up).
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

SENDER_RULES: tuple[Rule, ...] = (
    Rule("zoho.host-not-reachable", R.EXPIRED, rx(r"\bhost not reachable\b")),
)
