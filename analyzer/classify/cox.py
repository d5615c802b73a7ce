"""Cox Communications (cox.net) refusals -> reason.

Source: Cox "Email Error Codes" (cox.com/residential/support/email-error-codes.html): every refusal
carries an "AUP#<code>": CXBL/CDRBL/IPBLnnnn/RBL the sending IP is blocked or listed, CXDNS the
connecting IP's reverse DNS fails, CXSNDR the sender's domain has a problem, CXCNCT/CXMXRT too many
connections or recipients, URLBL a URL in the message is listed.
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("cox.ip-blocked", R.BLOCKED, rx(r"AUP#(?:CXBL|CDRBL|IPBL\d*|RBL)\b")),
    Rule("cox.rdns", R.REQUIREPTR, rx(r"AUP#CXDNS\b")),
    Rule("cox.sender", R.REJECTED, rx(r"AUP#CXSNDR\b")),
    Rule("cox.limits", R.TOOMANYCONN, rx(r"AUP#(?:CXCNCT|CXMXRT)\b")),
    Rule("cox.url", R.SPAMDETECTED, rx(r"AUP#URLBL\b")),
)
