"""Reason by RFC 3463 status code, when no text rule decided (and as the hint the text rules refine).

Source: RFC 3463 (subject/detail meanings), RFC 7505 (5.1.10 null MX), RFC 7372 (5.7.20-5.7.29
authentication codes), RFC 8689 (5.7.30 REQUIRETLS), Sisimai v5 lib/Sisimai/SMTP/Status.pm (the
code -> reason table this follows), Exchange Online and Gmail vendor details (5.7.606-649, 5.1.351,
4.7.28).
"""

from __future__ import annotations

from analyzer.reasons import Reason

R = Reason

# (subject.detail) -> reason; for class 4 and 5 alike unless BY_CODE names the full code.
BY_STATUS: dict[str, Reason] = {
    "1.0": R.USERUNKNOWN,  # other address status
    "1.1": R.USERUNKNOWN,  # bad destination mailbox address
    "1.2": R.HOSTUNKNOWN,  # bad destination system address
    "1.3": R.USERUNKNOWN,  # bad destination mailbox address syntax
    "1.4": R.FILTERED,  # destination mailbox address ambiguous
    "1.5": R.DELIVERED,  # destination address valid
    "1.6": R.HASMOVED,  # destination mailbox has moved, no forwarding address
    "1.7": R.REJECTED,  # bad sender's mailbox address syntax
    "1.8": R.REJECTED,  # bad sender's system address
    "1.9": R.SYSTEMERROR,  # message relayed to non-compliant mailer
    "1.10": R.NOTACCEPT,  # recipient address has null MX (RFC 7505)
    "2.0": R.FILTERED,  # other or undefined mailbox status
    "2.1": R.FILTERED,  # mailbox disabled, not accepting messages
    "2.2": R.MAILBOXFULL,  # mailbox full
    "2.3": R.EXCEEDLIMIT,  # message length exceeds administrative limit
    "2.4": R.FILTERED,  # mailing list expansion problem
    "3.0": R.SYSTEMERROR,  # other or undefined mail system status
    "3.1": R.SYSTEMFULL,  # mail system full
    "3.2": R.NOTACCEPT,  # system not accepting network messages
    "3.3": R.SYSTEMERROR,  # system not capable of selected features
    "3.4": R.MESGTOOBIG,  # message too big for system
    "3.5": R.SYSTEMERROR,  # system incorrectly configured
    "4.0": R.NETWORKERROR,  # other or undefined network or routing status
    "4.1": R.EXPIRED,  # no answer from host
    "4.2": R.EXPIRED,  # bad connection
    "4.3": R.SYSTEMERROR,  # directory server failure
    "4.4": R.HOSTUNKNOWN,  # unable to route
    "4.5": R.SYSTEMFULL,  # mail system congestion
    "4.6": R.NETWORKERROR,  # routing loop detected
    "4.7": R.EXPIRED,  # delivery time expired
    "5.1": R.SYNTAXERROR,  # invalid command
    "5.2": R.SYNTAXERROR,  # syntax error
    "5.3": R.TOOMANYCONN,  # too many recipients
    "5.4": R.SYNTAXERROR,  # invalid command arguments
    "5.5": R.SYNTAXERROR,  # wrong protocol version
    "5.6": R.SYNTAXERROR,  # authentication exchange line too long
    "6.0": R.CONTENTERROR,  # other or undefined media error
    "6.1": R.CONTENTERROR,  # media not supported
    "6.2": R.CONTENTERROR,  # conversion required and prohibited
    "6.3": R.CONTENTERROR,  # conversion required but not supported
    "6.4": R.CONTENTERROR,  # conversion with loss performed
    "6.5": R.CONTENTERROR,  # conversion failed
    "6.6": R.CONTENTERROR,  # message content not available
    "6.7": R.CONTENTERROR,  # non-ASCII addresses not permitted
    "6.8": R.CONTENTERROR,  # UTF-8 string reply required
    "6.9": R.CONTENTERROR,  # UTF-8 header message cannot be transferred
    "7.0": R.SECURITYERROR,  # other or undefined security status
    "7.1": R.SECURITYERROR,  # delivery not authorized, message refused
    "7.2": R.SECURITYERROR,  # mailing list expansion prohibited
    "7.3": R.SECURITYERROR,  # security conversion required but not possible
    "7.4": R.SECURITYERROR,  # security features not supported
    "7.5": R.SECURITYERROR,  # cryptographic failure
    "7.6": R.SECURITYERROR,  # cryptographic algorithm not supported
    "7.7": R.SECURITYERROR,  # message integrity failure
    "7.8": R.SECURITYERROR,  # authentication credentials invalid
    "7.9": R.SECURITYERROR,  # authentication mechanism is too weak
    "7.10": R.FAILEDSTARTTLS,  # encryption needed
    "7.11": R.FAILEDSTARTTLS,  # encryption required for requested authentication mechanism
    "7.12": R.SECURITYERROR,  # a password transition is needed
    "7.13": R.SUSPEND,  # user account disabled
    "7.14": R.SECURITYERROR,  # trust relationship required
    "7.15": R.SECURITYERROR,  # priority level is too low
    "7.16": R.MESGTOOBIG,  # message too big for specified priority
    "7.17": R.HASMOVED,  # mailbox owner has changed
    "7.18": R.HASMOVED,  # domain owner has changed
    "7.19": R.SECURITYERROR,  # RRVS test cannot be completed
    "7.20": R.AUTHFAILURE,  # no passing DKIM signature found (RFC 7372)
    "7.21": R.AUTHFAILURE,  # no acceptable DKIM signature found
    "7.22": R.AUTHFAILURE,  # no valid author-matched DKIM signature found
    "7.23": R.AUTHFAILURE,  # SPF validation failed
    "7.24": R.AUTHFAILURE,  # SPF validation error
    "7.25": R.REQUIREPTR,  # reverse DNS validation failed
    "7.26": R.AUTHFAILURE,  # multiple authentication checks failed
    "7.27": R.NOTACCEPT,  # sender address has null MX
    "7.28": R.SPEEDING,  # mail flood detected (Gmail 4.7.28: rate limited)
    "7.29": R.FAILEDSTARTTLS,  # Gmail 4.7.29: not sent over TLS
    "7.30": R.FAILEDSTARTTLS,  # REQUIRETLS support required (RFC 8689)
    "7.32": R.AUTHFAILURE,  # Gmail 4.7.32: From not aligned with SPF/DKIM domain
}

# Full codes whose meaning differs by class or is vendor-specific.
BY_CODE: dict[str, Reason] = {
    "4.2.1": R.SPEEDING,  # mailbox temporarily disabled: receiving too fast (Sisimai: 4.2.1 is rate)
    "4.3.2": R.SYSTEMERROR,  # system not accepting network messages, for now
    "4.4.1": R.EXPIRED,  # no answer from host (queue ran out)
    "4.4.2": R.EXPIRED,  # bad connection
    "4.4.4": R.NETWORKERROR,  # unable to route, for now (DNS trouble)
    "4.4.5": R.SYSTEMFULL,  # mail system congestion
    "5.4.1": R.USERUNKNOWN,  # Exchange Online: "Recipient address rejected: Access denied" (no such recipient)
    "5.4.3": R.SYSTEMERROR,  # directory server failure
    "5.4.4": R.HOSTUNKNOWN,  # unable to route
    "5.4.6": R.NETWORKERROR,  # routing loop detected
    "5.4.14": R.NETWORKERROR,  # Exchange Online: hop count exceeded
    "5.4.310": R.HOSTUNKNOWN,  # Exchange Online: DNS domain does not exist
    "5.4.312": R.NETWORKERROR,  # Exchange Online: DNS query failed
    "5.4.316": R.EXPIRED,  # Exchange Online: message expired, connection refused
    "5.5.3": R.TOOMANYCONN,  # too many recipients
    "5.1.351": R.USERUNKNOWN,  # Exchange Online: recipient not found
    "5.7.606": R.BLOCKED,  # Exchange Online: banned sending IP (5.7.606-649)
    "5.7.509": R.AUTHFAILURE,  # Exchange Online: DMARC reject
    "5.7.23": R.AUTHFAILURE,  # SPF validation failed
}


def reason_of(status: str | None) -> Reason | None:
    """The reason a status code stands for, or None (unknown code, or only a class like 5.0.0)."""
    if not status or len(status) < 5 or status[0] not in "45":
        return None
    hit = BY_CODE.get(status)
    if hit is not None:
        return hit
    sub = status[2:]
    if sub == "0.0":
        return None
    if status.startswith("5.7.") and 606 <= _detail(status) <= 649:
        return R.BLOCKED  # Exchange Online 5.7.606-5.7.649: banned sending IP ranges
    return BY_STATUS.get(sub)


def _detail(status: str) -> int:
    tail = status.rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else -1
