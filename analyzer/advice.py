"""What to do about a failure, in plain words: one piece of advice per reason.

Pure text, shared by `ndr triage` and the reports. Placeholders: {ip}, {prefix}, {blocklist}.
Sources: Google sender guidelines (support.google.com/mail/answer/81126), Microsoft Exchange Online
NDR reference (see ../shared/reference/ndr-texts.md), Spamhaus/Microsoft delisting pages.
"""

from __future__ import annotations

from analyzer.reasons import Reason

R = Reason

ADVICE: dict[Reason, str] = {
    R.REQUIREPTR: (
        "Publish a PTR (reverse DNS) record for {ip} whose name resolves back (A/AAAA) to {ip}, "
        "and authenticate the mail with SPF and DKIM aligned with the From domain."
    ),
    R.BADREPUTATION: (
        "The receiver distrusts {ip} or the sending domain: slow down, warm up new addresses gradually, "
        "check complaint rates and list hygiene, and make sure SPF, DKIM and DMARC pass."
    ),
    R.BLOCKED: (
        "{ip} is refused by the receiver{on_list}: check the list's lookup page, fix the cause "
        "(compromised account, open relay, bad list) and request delisting."
    ),
    R.SPAMDETECTED: (
        "The receiver judged the mail as spam: check content, links and complaint rates, send only to "
        "opted-in recipients, and authenticate with SPF, DKIM and DMARC."
    ),
    R.AUTHFAILURE: (
        "Authentication failed: include the sending IP ({ip}) or its provider in SPF, sign with DKIM for the "
        "From domain, and check that DMARC aligns (SPF or DKIM domain = From domain)."
    ),
    R.SPEEDING: "Rate limited: lower the sending rate to this receiver and spread the volume over time.",
    R.TOOMANYCONN: "Too many connections or recipients at once: lower concurrency and recipients per message.",
    R.USERUNKNOWN: "The address does not exist: remove it from the list (retrying will not help).",
    R.HOSTUNKNOWN: "The recipient domain does not exist or has no mail server: remove or correct the address.",
    R.HASMOVED: "The address has moved: update it and stop sending to the old one.",
    R.MAILBOXFULL: "The recipient's mailbox is full: retry later; remove the address if it stays full.",
    R.SUSPEND: "The mailbox is disabled or inactive: stop sending to it.",
    R.EXPIRED: "Delivery timed out in the queue: check the route and the receiving server's reachability.",
    R.NETWORKERROR: "Network or DNS trouble on the way: check the MX records and connectivity to the receiver.",
    R.NOTACCEPT: "The destination accepts no mail (e.g. null MX): remove the address.",
    R.MESGTOOBIG: "The message is too large for the receiver: send smaller messages or links instead.",
    R.EXCEEDLIMIT: "The message exceeds a limit of the recipient's mailbox: send a smaller message.",
    R.FAILEDSTARTTLS: "The receiver requires TLS: enable STARTTLS with a valid certificate on the sending server.",
    R.NORELAYING: "Relaying was denied: send through a server that is allowed to relay for this domain.",
    R.REJECTED: "The envelope sender was refused: check the MAIL FROM domain's DNS (MX/A, SPF) and reputation.",
    R.POLICYVIOLATION: "The receiver's policy refused the message: review content and attachments against it.",
    R.SECURITYERROR: "A security check failed: the receiver may require authentication or an authorised sender.",
    R.VIRUSDETECTED: "Malware was detected: scan the sending system and the attachments.",
    R.CONTENTERROR: "The message format was refused: check MIME structure, headers and encodings.",
    R.NOTCOMPLIANTRFC: "The message breaks RFC 5322 (e.g. duplicate headers): fix the sending software.",
    R.SYNTAXERROR: "SMTP protocol error: check the sending software's SMTP dialogue.",
    R.SYSTEMERROR: "The receiving system failed: retry later, or contact its postmaster if it persists.",
    R.SYSTEMFULL: "The receiving system is out of resources: retry later.",
    R.MAILERERROR: "The receiver's local delivery program failed: contact its postmaster.",
    R.FILTERED: "A recipient-side filter refused the mail: the recipient may have blocked the sender.",
    R.SUPPRESSED: "The address is on the sending service's suppression list: remove it or review why.",
    R.ONHOLD: "The evidence does not decide the cause yet: read the diagnostic text.",
    R.UNDEFINED: "No cause could be determined: read the diagnostic text.",
    R.DELIVERED: "Delivered: nothing to do.",
    R.FEEDBACK: "A recipient complained (feedback report): remove the recipient and review the campaign.",
    R.VACATION: "An auto-reply: nothing to do.",
}


# The IPv6 variant: receivers (Gmail's "IPv6 sending guidelines", Exchange Online 5.7.25/4.7.26) demand a PTR
# and SPF or DKIM for every message over IPv6 (ndr-texts.md 3.1 and 3.2).
REQUIREPTR_V6 = (
    "Publish an ip6.arpa PTR record for {ip} whose name resolves back (AAAA) to {ip}, and make SPF or DKIM pass "
    "for every message: receivers refuse unauthenticated mail over IPv6. Until then, sending to this receiver "
    "over IPv4 avoids the refusal."
)

# What a specific status code adds to the reason's advice. Sources: Google "SMTP error reference"
# (support.google.com/a/answer/3726730), Microsoft "Email non-delivery reports and SMTP errors in Exchange
# Online" (both quoted in ../shared/reference/ndr-texts.md 3.1 and 3.2).
STATUS_ADVICE: dict[str, str] = {
    "5.7.23": "The receiver checked SPF and it failed: the sending IP is not in the MAIL FROM domain's SPF record.",
    "5.7.25": "The receiver checks that the sending IP has a PTR record whose name resolves back to it.",
    "4.7.25": "The receiver checks that the sending IP has a PTR record whose name resolves back to it.",
    "5.7.26": "Neither SPF nor DKIM passed (or DMARC failed): the receiver requires at least one to pass.",
    "4.7.26": "Neither SPF nor DKIM passed for mail over IPv6: the receiver requires one of them to pass.",
    "5.7.27": "SPF did not pass: add the sending IPs to the SPF record of the MAIL FROM domain.",
    "4.7.27": "SPF did not pass: add the sending IPs to the SPF record of the MAIL FROM domain.",
    "4.7.28": "The receiver limits the rate per IP, IP block, DKIM domain and SPF domain: send more slowly and "
              "avoid bursts.",
    "5.7.28": "The receiver saw an unusual rate of unsolicited mail from this IP: check for compromised accounts.",
    "5.7.30": "DKIM did not pass: sign the mail with DKIM for the From domain.",
    "4.7.30": "DKIM did not pass: sign the mail with DKIM for the From domain.",
    "4.7.32": "The From domain is not aligned with the SPF or DKIM domain: align them for DMARC.",
    "5.7.32": "The From domain is not aligned with the SPF or DKIM domain: align them for DMARC.",
    "5.7.509": "The From domain publishes DMARC p=reject and the message failed DMARC.",
    "5.7.57": "The client did not authenticate (SMTP AUTH) before sending through this server.",
    "4.7.650": "The receiver rate-limits this IP because of its reputation.",
}


def advice_for(reason: Reason, *, ip: str | None = None, prefix: str | None = None,
               blocklist: str | None = None, status: str | None = None, temporary: bool = False) -> str:
    """The advice for a reason, with the sending IP (or prefix) and the block list filled in.

    `status` adds what a specific status code says; `temporary` (a delay) says the sender retries.
    """
    text = ADVICE.get(reason, ADVICE[R.UNDEFINED])
    where = ip or prefix or "the sending IP"
    if reason is R.REQUIREPTR and ":" in where:
        text = REQUIREPTR_V6
    on_list = f" (listed on {blocklist})" if blocklist else ""
    out = text.format(ip=where, prefix=prefix or where, blocklist=blocklist or "", on_list=on_list)
    extra = STATUS_ADVICE.get(status or "")
    if extra and reason not in (R.DELIVERED, R.VACATION, R.FEEDBACK):
        out = f"{extra} {out}"
    if temporary:
        out = f"Temporary: the sending server keeps retrying, nothing is lost yet. {out}"
    return out
