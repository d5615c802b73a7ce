"""Spectrum / Charter (charter.net, rr.com, spectrum.net) refusals -> reason.

Source: Spectrum "Understanding Email Error Codes"
(spectrum.net/support/internet/understanding-email-error-codes): refusals carry "AUP#I-nnnn"
(inbound) or "AUP#O-nnnn" (outbound): 1000/1100/1200 the sending IP is blocked (suspicious activity,
block lists), 1010/1020 the sending account is blocked or limited, 1090 the message could not be
processed, 13xx connection limits, 1500/1520 sending as another address, 1530 message too large,
1540/1550 too many messages or recipients in a session, 1580 too many recipients in a short time.
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

_AUP = r"AUP#(?:In?|Out?|[IO])-"

RULES: tuple[Rule, ...] = (
    Rule("spectrum.ip-blocked", R.BLOCKED, rx(_AUP + r"1[012]00\b")),
    Rule("spectrum.account", R.REJECTED, rx(_AUP + r"(?:10[12]0|15[02]0)\b")),
    Rule("spectrum.unprocessable", R.SYSTEMERROR, rx(_AUP + r"1090\b")),
    Rule("spectrum.connections", R.TOOMANYCONN, rx(_AUP + r"(?:13\d\d|15[45]0)\b")),
    Rule("spectrum.too-big", R.MESGTOOBIG, rx(_AUP + r"1530\b")),
    Rule("spectrum.rate", R.SPEEDING, rx(_AUP + r"1580\b")),
)
