"""Microsoft 365 / Exchange Online / Exchange Server / Outlook.com texts -> reason.

RULES: refusals by Microsoft's receiving servers and the codes Exchange writes in its own NDRs.
Source: MicrosoftDocs SupportArticles-docs, Exchange Online "Email non-delivery reports and SMTP
errors" (non-delivery-reports-in-exchange-online.md, 2024-03-08) and the per-code articles it links
(5.1.10, 5.4.1, 5.7.1, 5.7.23, 5.7.509, 5.7.606-649, 5.7.7xx, 4.4.7, 5.4.300, 5.4.312/316), as
quoted in ../shared/reference/ndr-texts.md sections 3.2-3.3; Outlook.com "Troubleshooting"
postmaster page (sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx) for S3140/S3150,
SC-00x, DY-00x, OU-00x and 4.7.650-652.

HOTMAIL_RULES: the texts the legacy Hotmail/Outlook.com DSN writes itself (Windows Live Hotmail
NDRs, "Delivery to the following recipients failed.").
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    # block lists and banned IPs: 5.7.606-649, S3140/S3150, SC-00x/DY-00x, 5.7.511, 5.7.513
    Rule("microsoft.banned-sending-ip", R.BLOCKED,
         rx(r"banned sending ip|part of their network is on our block list|\(S31[0-9]{2}\)|"
            r"traffic not accepted from this ip|customer block list|"
            r"mail rejected by (?:windows live hotmail|outlook\.com) for policy reasons.{0,200}"
            r"(?:dynamic ip|open proxy|namespace mining|complaints|compromised)|\b(?:SC-00[1-4]|DY-00[12])\b")),
    Rule("microsoft.ipv6-no-rdns", R.REQUIREPTR, rx(r"sending ipv6 address .{0,60} must have a reverse dns")),
    Rule("microsoft.ipv6-auth", R.AUTHFAILURE, rx(r"sent over ipv6 .{0,60} must pass either spf or dkim")),
    Rule("microsoft.ipv6-not-accepted", R.BLOCKED, rx(r"does not accept email over ipv6")),
    Rule("microsoft.ipv6-range-limits", R.SPEEDING, rx(r"has exceeded permitted limits within .{0,60} range")),
    Rule("microsoft.dmarc", R.AUTHFAILURE, rx(r"does not pass dmarc|dmarc policy of reject")),
    Rule("microsoft.spf", R.AUTHFAILURE, rx(r"sender policy framework violation")),
    Rule("microsoft.spam-abuse", R.BLOCKED,
         rx(r"spam abuse detected|banned sender|tenant has exceeded threshold|"
            r"access denied, please try again later")),
    Rule("microsoft.bad-outbound-sender", R.REJECTED, rx(r"bad outbound sender")),
    Rule("microsoft.unregistered-domain", R.REJECTED, rx(r"sending from unregistered domains")),
    Rule("microsoft.ip-reputation", R.BADREPUTATION, rx(r"rate limited due to ip reputation")),
    Rule("microsoft.policy-spam", R.SPAMDETECTED,
         rx(r"\bOU-002\b|message detected as spam|content with spam-like characteristics")),
    Rule("microsoft.policy-reasons", R.BLOCKED, rx(r"\bOU-001\b")),
    Rule("microsoft.connection-limits", R.TOOMANYCONN,
         rx(r"\bCON:B1\b|exceeded the max(?:imum)? number of connections|too many connections")),
    Rule("microsoft.recipient-rate", R.SPEEDING,
         rx(r"per hour message receive limit|daily limit for message recipients|recipientthresholdexceeded")),
    Rule("microsoft.rfc5322", R.NOTCOMPLIANTRFC, rx(r"must be rfc 5322 section 3\.6\.2 compliant")),
    Rule("microsoft.recipient-not-found", R.USERUNKNOWN,
         rx(r"recipientnotfound|recipnotfound|recipient not found by smtp address lookup|"
            r"recipient address rejected: access denied")),
    Rule("microsoft.relay-denied", R.NORELAYING, rx(r"unable to relay|relay access denied")),
    Rule("microsoft.allowed-senders", R.REJECTED, rx(r"sender not in allowed-senders list")),
    Rule("microsoft.not-authenticated", R.SECURITYERROR,
         rx(r"client was not authenticated|delivery not authorized|resolver\.rst\.(?:authrequired|notauthorized)|"
            r"not authenticated for (?:group|mailbox)|does not have permissions to send as this sender")),
    Rule("microsoft.external-forwarding", R.POLICYVIOLATION, rx(r"does not allow external forwarding")),
    Rule("microsoft.mailbox-full", R.MAILBOXFULL, rx(r"mailbox ?full|quota ?exceeded|quotaexceeded")),
    Rule("microsoft.recipient-size-limit", R.EXCEEDLIMIT,
         rx(r"recipsizelimit|exceeded the recipient's size limit")),
    Rule("microsoft.message-too-big", R.MESGTOOBIG,
         rx(r"message size exceeds|messagetoobig|sendsizelimit|message size exceeds fixed maximum")),
    Rule("microsoft.mail-loop", R.NETWORKERROR, rx(r"hop count exceeded|possible mail loop")),
    Rule("microsoft.dns-failed", R.NETWORKERROR, rx(r"dns query failed")),
    Rule("microsoft.domain-lookup", R.HOSTUNKNOWN,
         rx(r"hostunknown|domain lookup failed|the domain is not reachable")),
    Rule("microsoft.expired", R.EXPIRED, rx(r"message expired|message delayed")),
    Rule("microsoft.invalid-characters", R.CONTENTERROR, rx(r"invalid characters")),
)

HOTMAIL_RULES: tuple[Rule, ...] = (
    Rule("hotmail.domain-not-reachable", R.HOSTUNKNOWN,
         rx(r"could not be delivered to the recipient because the domain is not reachable")),
    Rule("hotmail.mailbox-unavailable", R.USERUNKNOWN,
         rx(r"^\s*550 requested action not taken: mailbox unavailable")),
)

# Exchange 2000/2003 IMS diagnostic codes ("MSEXCH:IMS:... 0 (000C05A6) Unknown Recipient") -> reason.
# Source: Microsoft KB 284204 and the Exchange 2003 SMTP/IMS event descriptions.
EXCHANGE2003_CODES: dict[str, R] = {
    "000C05A6": R.USERUNKNOWN,  # Unknown Recipient
    "000C0595": R.FILTERED,  # Ambiguous Recipient
    "00010256": R.TOOMANYCONN,  # Too many recipients
    "00120270": R.NETWORKERROR,  # Too many hops (mail loop)
    "00050311": R.CONTENTERROR,  # Conversion to Internet format failed
    "000502CC": R.CONTENTERROR,  # Conversion to Internet format failed
    "000B0981": R.SECURITYERROR,  # Server does not support AUTH
    "000D06B5": R.SYSTEMERROR,  # No proxy address for the recipient
}
