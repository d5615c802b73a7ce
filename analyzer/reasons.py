"""The closed vocabulary of bounce reasons (Sisimai v5's, lowercase), see design.md."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why one recipient's delivery failed (or what the message is, for non-failures)."""

    AUTHFAILURE = "authfailure"  # SPF/DKIM/DMARC or a provider's authentication requirement failed
    BADREPUTATION = "badreputation"  # low reputation of the sending IP or domain
    BLOCKED = "blocked"  # the sending IP/host is refused: block list, banned IP, bad HELO
    CONTENTERROR = "contenterror"  # the message format was refused (headers, MIME, encoding)
    DELIVERED = "delivered"  # not a failure: delivered (2.x.x)
    EXCEEDLIMIT = "exceedlimit"  # the message exceeds a limit of the recipient's mailbox
    EXPIRED = "expired"  # delivery time ran out in the queue
    FAILEDSTARTTLS = "failedstarttls"  # TLS was required, or STARTTLS failed
    FEEDBACK = "feedback"  # not a bounce: an ARF feedback report
    FILTERED = "filtered"  # refused for this recipient by a recipient-side filter
    HASMOVED = "hasmoved"  # the address has moved (5.1.6)
    HOSTUNKNOWN = "hostunknown"  # the recipient domain does not exist or has no mail host
    MAILBOXFULL = "mailboxfull"  # the recipient's mailbox is over quota
    MAILERERROR = "mailererror"  # the local delivery program failed
    MESGTOOBIG = "mesgtoobig"  # the message exceeds the server's size limit
    NETWORKERROR = "networkerror"  # DNS or network trouble, mail loop, too many hops
    NORELAYING = "norelaying"  # relaying denied
    NOTACCEPT = "notaccept"  # the destination accepts no mail at all (null MX, ...)
    NOTCOMPLIANTRFC = "notcompliantrfc"  # the message does not comply with RFC 5322
    ONHOLD = "onhold"  # the evidence does not decide yet
    POLICYVIOLATION = "policyviolation"  # refused by the receiver's content or usage policy
    REJECTED = "rejected"  # the envelope sender (MAIL FROM) or its domain was refused
    REQUIREPTR = "requireptr"  # the sending IP has no valid PTR / FCrDNS record
    SECURITYERROR = "securityerror"  # a security or authorization check failed
    SPAMDETECTED = "spamdetected"  # the content was judged to be spam
    SPEEDING = "speeding"  # rate limited: sending too fast
    SUPPRESSED = "suppressed"  # the recipient is on the sending service's suppression list
    SUSPEND = "suspend"  # the mailbox exists but is disabled or suspended
    SYNTAXERROR = "syntaxerror"  # SMTP command syntax or sequence error
    SYSTEMERROR = "systemerror"  # an error inside the remote or relaying mail system
    SYSTEMFULL = "systemfull"  # the remote system is out of disk or resources
    TOOMANYCONN = "toomanyconn"  # too many connections, recipients or messages at once
    UNDEFINED = "undefined"  # the reason could not be determined
    USERUNKNOWN = "userunknown"  # the recipient address does not exist
    VACATION = "vacation"  # not a bounce: an auto-reply (RFC 3834)
    VIRUSDETECTED = "virusdetected"  # a virus or malware was found in the message


# Reasons whose failure is about the address itself: retrying the same address is pointless.
# (Sisimai's "hardbounce": userunknown, hostunknown, hasmoved, notaccept; Sisimai v5 Reason docs.)
HARD_REASONS: frozenset[Reason] = frozenset(
    {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT}
)

# Reasons that say nothing about failure.
NON_FAILURE_REASONS: frozenset[Reason] = frozenset(
    {Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION}
)
