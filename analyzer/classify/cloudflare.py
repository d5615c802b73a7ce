"""Cloudflare Email Routing (*.mx.cloudflare.net) refusals -> reason.

Source: Cloudflare Email Routing "Postmaster" (developers.cloudflare.com/email-routing/postmaster/):
"421 4.3.0 Upstream error" when the forwarding destination fails, 5.7.26 for messages that fail
SPF, DKIM and DMARC, and rate limiting with 4.7.0/4.7.28.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("cloudflare.upstream", R.SYSTEMERROR, rx(r"upstream error")),
    Rule("cloudflare.auth", R.AUTHFAILURE, rx(r"\b5\.7\.26\b|dmarc|spf and dkim")),
    Rule("cloudflare.rate", R.SPEEDING, rx(r"rate limit")),
)
