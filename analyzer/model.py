"""Immutable records produced by the analyzer. Serialised in exactly one place: analyzer.serialize."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from analyzer.ipaddr import DEFAULT_PREFIX_V4, DEFAULT_PREFIX_V6
from analyzer.reasons import Reason
from analyzer.records import fast_init


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """Analysis parameters (no hidden globals). Defined here, in an interpreted module: scan workers get it
    pickled, and a compiled frozen dataclass cannot be unpickled."""

    prefix_v4: int = DEFAULT_PREFIX_V4  # IPv4 prefix length of sending_prefix
    prefix_v6: int = DEFAULT_PREFIX_V6  # IPv6 prefix length of sending_prefix


class Kind(StrEnum):
    """What a message is, as a whole."""

    BOUNCE = "bounce"  # at least one recipient failed
    DELAY = "delay"  # only delays (4.x.x, Action: delayed), nothing failed yet
    AUTOREPLY = "autoreply"  # RFC 3834 auto-reply, vacation
    FEEDBACK = "feedback"  # ARF feedback report (RFC 5965)
    NOT_BOUNCE = "not_bounce"  # any other message: its headers are still read
    ERROR = "error"  # nothing could be parsed: the defects say why


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One Received header, oldest hop first in Analysis.hops."""

    from_host: str | None = None  # the name the sender announced (HELO/EHLO) or its reverse name
    from_ip: str | None = None  # the connecting IP the receiver recorded (normalised, no zone id)
    from_rdns: str | None = None  # the reverse-DNS name the receiver recorded ("unknown": no PTR)
    by_host: str | None = None  # the receiving server
    by_ip: str | None = None  # the receiving server's address, when recorded
    protocol: str | None = None  # with ... (SMTP, ESMTPS, ESMTPSA, HTTPS, mapi, LMTP, ...)
    tls: str | None = None  # TLS version recorded ("TLSv1.2"), "TLS" when only the protocol (ESMTPS) says so
    id: str | None = None  # the receiver's queue or session id
    for_addr: str | None = None  # the "for <addr>" clause
    at: str | None = None  # timestamp in ISO 8601 (UTC offset kept)
    delay_s: float | None = None  # seconds since the previous (older) hop; None when unknown
    raw: str = ""  # the unfolded header value, for --explain


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResult:
    """One method result from Authentication-Results, ARC-Authentication-Results or Received-SPF."""

    header: str  # authentication-results | arc-authentication-results | received-spf
    authserv_id: str | None  # who did the check (Microsoft often omits it: None)
    method: str  # spf | dkim | dmarc | arc | compauth | iprev | auth | bimi | ...
    result: str  # pass | fail | softfail | neutral | none | temperror | permerror | policy | ...
    reason: str | None = None  # reason=... or the parenthesised comment
    properties: tuple[tuple[str, str], ...] = ()  # ptype.property=value pairs, e.g. ("smtp.mailfrom", "x")
    instance: int | None = None  # ARC instance (i=) for arc-authentication-results


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class AntiSpam:
    """Microsoft anti-spam verdicts decoded from X-Forefront-Antispam-Report and friends."""

    cip: str | None = None  # connecting IP Exchange Online saw
    ctry: str | None = None  # country of the connecting IP
    lang: str | None = None  # LANG: language of the message
    sfv: str | None = None  # spam filter verdict (SPM, NSPM, SKN, SKS, BLK, ...)
    scl: int | None = None  # spam confidence level (-1..9)
    ipv: str | None = None  # IP filter verdict (CAL, NLI)
    cat: str | None = None  # protection policy category (SPM, HSPM, PHSH, BULK, DIMP, ...)
    ptr: str | None = None  # reverse DNS of the connecting IP as EOP saw it
    helo: str | None = None  # H: the HELO/EHLO string
    srv: str | None = None  # SRV: BULK when the message was identified as bulk
    sfty: str | None = None  # SFTY: safety tip (9.19, 9.20, 9.25)
    sfs: str | None = None  # SFS: the spam rules that matched, as written
    dir: str | None = None  # DIR: INB | OUT | INT
    bcl: int | None = None  # bulk complaint level (X-Microsoft-Antispam BCL)
    sfv_text: str | None = None  # plain-language meaning of sfv
    cat_text: str | None = None  # plain-language meaning of cat
    ipv_text: str | None = None  # plain-language meaning of ipv
    scl_text: str | None = None  # plain-language meaning of scl
    bcl_text: str | None = None  # plain-language meaning of bcl
    sfty_text: str | None = None  # plain-language meaning of sfty
    dir_text: str | None = None  # plain-language meaning of dir


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Original:
    """The returned original message (message/rfc822, text/rfc822-headers or pasted headers)."""

    message_id: str | None = None
    from_: str | None = None  # serialised as "from"
    to: str | None = None
    subject: str | None = None
    date: str | None = None  # ISO 8601 when parseable, else the raw value
    return_path: str | None = None  # envelope sender, when the headers kept it
    hops: tuple[Hop, ...] = ()  # the original's Received chain, oldest first
    auth: tuple[AuthResult, ...] = ()  # the original's authentication results
    antispam: AntiSpam | None = None  # Microsoft anti-spam headers of the original
    dkim_domains: tuple[str, ...] = ()  # d= of its DKIM-Signature headers
    dkim_selectors: tuple[tuple[str, str], ...] = ()  # (d=, s=) of its DKIM-Signature headers


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """One recipient of a report, in the order the message lists them."""

    recipient: str | None  # Final-Recipient (or the address the text names), lowercased domain
    original_recipient: str | None = None  # Original-Recipient, when given
    action: str | None = None  # failed | delayed | delivered | relayed | expanded
    status: str | None = None  # RFC 3463 status, e.g. "5.7.1", "5.7.606"
    replycode: str | None = None  # SMTP reply code from the diagnostic, e.g. "550"
    reason: Reason = Reason.UNDEFINED  # classification, see analyzer.classify
    hard: bool | None = None  # the address itself is bad: retrying is pointless (None: not a failure)
    remote_mta: str | None = None  # the server that refused, as the report names it
    diagnostic_type: str | None = None  # Diagnostic-Code type, e.g. "smtp", "x-unix"
    diagnostic: str | None = None  # the refusal text, unfolded, continuation codes joined
    last_attempt: str | None = None  # Last-Attempt-Date, ISO 8601
    will_retry_until: str | None = None  # Will-Retry-Until, ISO 8601
    sending_ip: str | None = None  # the IP the rejecting server saw
    sending_prefix: str | None = None  # its network, e.g. "2a01:111:f403:2612::/64"
    sending_ip_source: str | None = None  # where the IP came from (diagnostic, hops, antispam, ...)
    blocklist: str | None = None  # the block list the text names, e.g. "zen.spamhaus.org"
    provider: str | None = None  # receiving provider recognised (google, microsoft, yahoo, ...)
    rule: str | None = None  # id of the rule that decided the reason
    evidence: str | None = None  # the text the rule matched
    feedback_type: str | None = None  # ARF Feedback-Type for feedback reports


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """Everything ndr knows about one message. Never raised from: defects are data."""

    kind: Kind
    message_id: str | None = None
    date: str | None = None  # ISO 8601
    subject: str | None = None
    from_: str | None = None  # serialised as "from"
    to: str | None = None
    reporter: str | None = None  # name of the detector that decided (e.g. "office365", "rfc3464")
    reporting_mta: str | None = None  # Reporting-MTA or the generating server
    received_from_mta: str | None = None  # Received-From-MTA
    arrival_date: str | None = None  # Arrival-Date, ISO 8601
    feedback_type: str | None = None  # ARF Feedback-Type (kind == feedback)
    recipients: tuple[Recipient, ...] = ()
    original: Original | None = None
    hops: tuple[Hop, ...] = ()  # this message's own Received chain, oldest first
    auth: tuple[AuthResult, ...] = ()  # this message's own authentication results
    antispam: AntiSpam | None = None  # this message's own Microsoft anti-spam verdicts
    sending_ip: str | None = None  # the message-level sending IP (first failed recipient's, or not_bounce's)
    sending_prefix: str | None = None
    sending_ip_source: str | None = None  # where the message-level sending IP came from
    defects: tuple[str, ...] = field(default=())  # what was wrong with the bytes, in words
