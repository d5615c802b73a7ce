"""Symantec Email Security.cloud (MessageLabs, *.messagelabs.com) texts -> reason.

Source: Broadcom "Email Security.cloud: non-delivery report and SMTP error reference"
(knowledge.broadcom.com, Email Security.cloud bounce and rejection messages): relaying without
SMTP authentication ("Please turn on SMTP Authentication in your mail client"), and the
"Address Registration" check that rejects recipients not registered with the service
("542 <address> Rejected").
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("messagelabs.smtp-auth", R.SECURITYERROR, rx(r"please turn on smtp authentication")),
    Rule("messagelabs.address-registration", R.USERUNKNOWN, rx(r"^\s*542\b.{0,256}\brejected\b")),
)
