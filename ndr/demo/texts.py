"""Receiver replies used by the demo, as the receivers word them.

Sources: Google "SMTP error reference" and Microsoft's Exchange Online NDR reference, as quoted in
../shared/reference/ndr-texts.md (sections 3.1, 3.2); Postfix's reject texts for RBL hits
(postfix.org/postconf.5.html, reject_rbl_client) and unknown users; Sendmail's and Yahoo's
classic mailbox-full / unknown-user replies. {ip}, {n}, {sid}, {rcpt}, {server}, {stamp} are filled in.
"""

from __future__ import annotations

# (status, reply lines)
Reply = tuple[str, tuple[str, ...]]

GMAIL_IPV6_PTR: tuple[Reply, ...] = (
    ("5.7.1", ("550-5.7.1 [{ip} {n}] Our system has detected that this message does",
               "550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and",
               "550-5.7.1 authentication. Please review",
               "550-5.7.1  https://support.google.com/mail/?p=IPv6AuthError for more",
               "550 5.7.1 information. {sid} - gsmtp")),
    ("5.7.1", ("550-5.7.1 [{ip}] This message does not meet IPv6 sending guidelines",
               "550-5.7.1 regarding PTR records and authentication. For more information,",
               "550-5.7.1 go to Email sender guidelines.",
               "550 5.7.1  https://support.google.com/mail/?p=IPv6AuthError {sid} - gsmtp")),
)
GMAIL_REPUTATION: tuple[Reply, ...] = (
    ("5.7.1", ("550-5.7.1 [{ip} {n}] Our system has detected that this message is likely",
               "550-5.7.1 suspicious due to the very low reputation of the sending IP address.",
               "550-5.7.1 To best protect our users from spam, the message has been",
               "550-5.7.1 blocked. Please visit",
               "550 5.7.1  https://support.google.com/mail/answer/188131 for more information. {sid} - gsmtp")),
)
GMAIL_UNSOLICITED: tuple[Reply, ...] = (
    ("5.7.1", ("550-5.7.1 [{ip} {n}] Gmail has detected that this message is likely",
               "550-5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this",
               "550-5.7.1 message has been blocked. For more information, go to",
               "550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError {sid} - gsmtp")),
)
GMAIL_RATE: tuple[Reply, ...] = (
    ("4.7.28", ("421-4.7.28 [{ip} {n}] Gmail has detected an unusual rate of mail originating",
                "421-4.7.28 from your IP address. To protect our users from spam, mail has been",
                "421-4.7.28 temporarily rate limited. For more information, go to",
                "421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError {sid} - gsmtp")),
)
SPAMHAUS: tuple[Reply, ...] = (
    ("5.7.1", ("554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; "
               "https://www.spamhaus.org/query/ip/{ip}",)),
    ("5.7.1", ("554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; "
               "https://check.spamhaus.org/listed/?searchterm={ip}",)),
)
OUTLOOK_S3150: tuple[Reply, ...] = (
    ("5.7.1", ("550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service "
               "provider since part of their network is on our block list (S3150). You can also refer your "
               "provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [{server} {stamp}]",)),
)
# Gmail's replies name the client address in brackets at the start (with a count), as its 5.7.1 and
# 4.7.28 replies do; the DMARC wording is the reference's, the unauthenticated one names it again in
# "SPF [domain] with ip: [address]".
GMAIL_DMARC: tuple[Reply, ...] = (
    ("5.7.26", ("550-5.7.26 [{ip} {n}] Unauthenticated email from news.example.org is not accepted due to",
                "550-5.7.26 domain's DMARC policy. Please contact the administrator of",
                "550-5.7.26 news.example.org domain if this was a legitimate mail. To learn about",
                "550-5.7.26 the DMARC initiative, go to",
                "550 5.7.26  https://support.google.com/mail/?p=DmarcRejection {sid} - gsmtp")),
)
GMAIL_UNAUTHENTICATED: tuple[Reply, ...] = (
    ("5.7.26", ("550-5.7.26 [{ip} {n}] This mail has been blocked because the sender is unauthenticated.",
                "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.",
                "550-5.7.26",
                "550-5.7.26  Authentication results:",
                "550-5.7.26  DKIM = did not pass",
                "550-5.7.26  SPF [news.example.org] with ip: [{ip}] = did not pass",
                "550-5.7.26",
                "550-5.7.26  For instructions on setting up authentication, go to",
                "550 5.7.26  https://support.google.com/mail/answer/81126#authentication {sid} - gsmtp")),
)
MICROSOFT_DMARC: tuple[Reply, ...] = (
    ("5.7.509", ("550 5.7.509 Access denied, sending domain news.example.org does not pass DMARC verification "
                 "and has a DMARC policy of reject. [{server} {stamp}]",)),
)
USER_UNKNOWN: dict[str, tuple[Reply, ...]] = {
    "google": (("5.1.1", ("550-5.1.1 The email account that you tried to reach does not exist. Please try",
                          "550-5.1.1 double-checking the recipient's email address for typos or",
                          "550-5.1.1 unnecessary spaces. For more information, go to",
                          "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser {sid} - gsmtp")),),
    "microsoft": (("5.1.10", ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP "
                              "address lookup",)),),
    "yahoo": (("5.0.0", ("554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - "
                         "mta4128.mail.gq1.yahoo.com",)),),
    "postfix": (("5.1.1", ("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox "
                           "table",)),),
}
MAILBOX_FULL: dict[str, tuple[Reply, ...]] = {
    "google": (("5.2.2", ("552-5.2.2 The recipient's inbox is out of storage space and inactive. Please",
                          "552-5.2.2 direct the recipient to",
                          "552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm {sid} - gsmtp")),),
    "microsoft": (("5.2.2", ("552 5.2.2 STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuota"
                             "Exceeded; Failed to process message due to a permanent exception with message "
                             "[BeginDiagnosticData]Mailbox is full.[EndDiagnosticData]",)),),
    "postfix": (("5.2.2", ("552 5.2.2 <{rcpt}>: Recipient address rejected: Mailbox full",)),),
}
