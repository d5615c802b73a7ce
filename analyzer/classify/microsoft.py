"""Microsoft 365 / Exchange Online / Outlook.com rejection texts -> reason.

Source: MicrosoftDocs SupportArticles-docs, Exchange Online "Email non-delivery reports and SMTP
errors" (non-delivery-reports-in-exchange-online.md, 2024-03-08), as quoted in
../shared/reference/ndr-texts.md sections 3.2-3.3.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("microsoft.banned-sending-ip", R.BLOCKED, rx(r"banned sending ip|part of their network is on our block list|"
                                                      r"\(S3150\)|traffic not accepted from this ip"),),
    Rule("microsoft.ipv6-no-rdns", R.REQUIREPTR, rx(r"sending ipv6 address .{0,60} must have a reverse dns")),
    Rule("microsoft.ipv6-auth", R.AUTHFAILURE, rx(r"sent over ipv6 .{0,60} must pass either spf or dkim")),
    Rule("microsoft.dmarc", R.AUTHFAILURE, rx(r"does not pass dmarc|dmarc policy of reject"), status="5.7.509"),
    Rule("microsoft.spf", R.AUTHFAILURE, rx(r"sender policy framework violation"), status="5.7.23"),
    Rule("microsoft.spam-abuse", R.BLOCKED, rx(r"spam abuse detected|banned sender"), status="5.7."),
    Rule("microsoft.ip-reputation", R.BADREPUTATION, rx(r"rate limited due to ip reputation")),
    Rule("microsoft.tenant-threshold", R.SPEEDING, rx(r"tenant has exceeded threshold")),
    Rule("microsoft.recipient-not-found", R.USERUNKNOWN,
         rx(r"recipientnotfound|recipient not found by smtp address lookup|recipient address rejected: access denied")),
    Rule("microsoft.relay-denied", R.NORELAYING, rx(r"unable to relay|relay access denied")),
    Rule("microsoft.customer-block-list", R.BLOCKED, rx(r"customer block list")),
    Rule("microsoft.not-authenticated", R.SECURITYERROR,
         rx(r"client was not authenticated|delivery not authorized")),
    Rule("microsoft.mailbox-full", R.MAILBOXFULL, rx(r"mailbox ?full|quota ?exceeded|quotaexceeded")),
    Rule("microsoft.message-too-big", R.MESGTOOBIG, rx(r"message size exceeds|messagetoobig")),
)
