"""Apple iCloud Mail (icloud.com, me.com, mac.com, privaterelay.appleid.com) refusals -> reason.

Source: Apple Support "Postmaster information for iCloud Mail" (support.apple.com/en-us/102322,
formerly HT204137) and its list of SMTP replies, e.g. "550 5.7.0 Blocked - see
https://support.proofpoint.com/dnsbl-lookup.cgi?ip=x", "554 5.7.1 [CS01] Message rejected due to
local policy", "550 5.1.1 <x>: user does not exist", "552 5.2.2 <x>: user is over quota",
"550 5.1.6 recipient no longer on server", "550 5.7.1 Your message was rejected due to x's DMARC policy".
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("apple.blocked", R.BLOCKED, rx(r"blocked - see https?://\S*proofpoint\.com/dnsbl|dnsbl-lookup")),
    Rule("apple.dmarc", R.AUTHFAILURE,
         rx(r"dmarc policy|failed (?:spf|dkim)|(?:spf|dkim) (?:check|validation) failed")),
    Rule("apple.local-policy", R.POLICYVIOLATION, rx(r"\[(?:CS|HM)\d\d\].{0,40}local policy|due to local policy")),
    Rule("apple.rate", R.SPEEDING, rx(r"too many (?:messages|recipients)|rate limit")),
    Rule("apple.moved", R.HASMOVED, rx(r"recipient no longer on server")),
    Rule("apple.over-quota", R.MAILBOXFULL, rx(r"user is over quota|mailbox is full")),
    Rule("apple.no-user", R.USERUNKNOWN,
         rx(r"user does not exist|user not found|inactive email address|no such user")),
    Rule("apple.relay", R.NORELAYING, rx(r"relay(?:ing)? not (?:allowed|permitted)")),
)
