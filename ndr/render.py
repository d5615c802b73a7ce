"""The one-screen human diagnosis of an Analysis (used by `ndr triage`).

Sections: the message (kind, reporter), each recipient (status, reason in plain words, sending IP and
prefix with the network it belongs to, remote MTA, diagnostic, what to do), the original message, the
hop timeline with delays, the authentication verdicts and Microsoft's anti-spam verdicts. Long parts are
cut to keep one screen; `explain` shows the detector, rule, evidence and where the IP came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from analyzer.advice import advice_for
from analyzer.headers.antispam import compauth_text
from analyzer.model import Analysis, AntiSpam, AuthResult, Hop, Kind, Original, Recipient
from analyzer.reasons import Reason

if TYPE_CHECKING:
    from reports.networks import Network, NetworkTable

Style = Callable[..., str]

MAX_HOPS = 12  # newest hops shown (older ones are summarised in one line)
MAX_AUTH = 12  # authentication results shown
MAX_DIAGNOSTIC = 400  # characters of a diagnostic shown without --explain
MAX_DEFECTS = 8

# Plain-language names of reasons, for people (design.md's vocabulary).
REASON_WORDS: dict[Reason, str] = {
    Reason.AUTHFAILURE: "authentication failed (SPF/DKIM/DMARC)",
    Reason.BADREPUTATION: "poor reputation of the sending IP or domain",
    Reason.BLOCKED: "sending IP blocked / on a block list",
    Reason.CONTENTERROR: "message format refused",
    Reason.DELIVERED: "delivered",
    Reason.EXCEEDLIMIT: "message exceeds a limit of the mailbox",
    Reason.EXPIRED: "delivery timed out in the queue",
    Reason.FAILEDSTARTTLS: "TLS required or STARTTLS failed",
    Reason.FEEDBACK: "complaint (feedback report)",
    Reason.FILTERED: "refused by a recipient filter",
    Reason.HASMOVED: "address has moved",
    Reason.HOSTUNKNOWN: "recipient domain unknown",
    Reason.MAILBOXFULL: "mailbox full",
    Reason.MAILERERROR: "local delivery program failed",
    Reason.MESGTOOBIG: "message too big",
    Reason.NETWORKERROR: "network or DNS error",
    Reason.NORELAYING: "relaying denied",
    Reason.NOTACCEPT: "domain accepts no mail",
    Reason.NOTCOMPLIANTRFC: "message breaks RFC 5322",
    Reason.ONHOLD: "undecided: the evidence does not say",
    Reason.POLICYVIOLATION: "refused by the receiver's policy",
    Reason.REJECTED: "sender (MAIL FROM) refused",
    Reason.REQUIREPTR: "no valid PTR (reverse DNS) for the sending IP",
    Reason.SECURITYERROR: "security check failed",
    Reason.SPAMDETECTED: "judged as spam",
    Reason.SPEEDING: "rate limited",
    Reason.SUPPRESSED: "on the sender's suppression list",
    Reason.SUSPEND: "mailbox disabled",
    Reason.SYNTAXERROR: "SMTP protocol error",
    Reason.SYSTEMERROR: "receiving system error",
    Reason.SYSTEMFULL: "receiving system out of resources",
    Reason.TOOMANYCONN: "too many connections or recipients",
    Reason.UNDEFINED: "undetermined",
    Reason.USERUNKNOWN: "no such recipient",
    Reason.VACATION: "auto-reply",
    Reason.VIRUSDETECTED: "malware detected",
}
KIND_WORDS: dict[Kind, str] = {
    Kind.BOUNCE: "bounce: delivery failed",
    Kind.DELAY: "delay: not delivered yet, still retrying",
    Kind.AUTOREPLY: "auto-reply",
    Kind.FEEDBACK: "feedback report (complaint)",
    Kind.NOT_BOUNCE: "not a bounce: its headers are read below",
    Kind.ERROR: "unreadable: see the defects",
}


def _plain(text: str, **_: object) -> str:
    return text


def render(a: Analysis, source: str, *, explain: bool = False, style: Style = _plain) -> str:
    """A diagnosis a postmaster reads in one screen."""
    out: list[str] = []
    head = f"{source}: {KIND_WORDS.get(a.kind, a.kind.value)}"
    if a.reporter:
        head += f" (reported by {a.reporter}{', ' + a.reporting_mta if a.reporting_mta else ''})"
    out.append(style(head, bold=True))
    for label, value in (("Subject", a.subject), ("Date", a.date), ("From", a.from_)):
        if value:
            out.append(f"  {label + ':':9s}{_clip(value, 200)}")
    if a.kind is Kind.FEEDBACK and a.feedback_type:
        out.append(f"  Feedback-Type: {a.feedback_type}")
    networks = _Networks()
    for r in a.recipients:
        out.extend(_recipient(r, explain, style, networks))
    if a.original is not None:
        out.extend(_original(a.original, style))
    # The returned original's headers tell the story of the failed message; a plain message's own tell its own.
    o = a.original
    label = " (original message)" if o is not None and (o.hops or o.auth or o.antispam) else ""
    hops = o.hops if label and o is not None else a.hops
    auth = o.auth if label and o is not None else a.auth
    antispam = o.antispam if label and o is not None else a.antispam
    if hops:
        out.extend(_hops(hops, label, style, explain))
    if auth:
        verdicts = _distinct(auth)
        out.append(style("Authentication" + label, bold=True))
        out.extend(_auth(x) for x in verdicts[:MAX_AUTH])
        if len(verdicts) > MAX_AUTH:
            out.append(f"  ... {len(verdicts) - MAX_AUTH} more")
    if antispam is not None:
        out.append(style("Microsoft anti-spam" + label, bold=True))
        out.extend(_antispam(antispam))
    if a.kind is Kind.NOT_BOUNCE and a.sending_ip:
        where = networks.name(a.sending_ip)
        line = f"Sending IP: {a.sending_ip} (prefix {a.sending_prefix}){' ' + where if where else ''}"
        if explain and a.sending_ip_source:
            line += f"  from {a.sending_ip_source}"
        out.append(style(line, bold=True))
    if a.defects:
        shown = "; ".join(a.defects[:MAX_DEFECTS]) + (f"; ... {len(a.defects) - MAX_DEFECTS} more"
                                                      if len(a.defects) > MAX_DEFECTS else "")
        out.append(style("Defects", bold=True) + ": " + shown)
    return "\n".join(out)


def _recipient(r: Recipient, explain: bool, style: Style, networks: _Networks) -> list[str]:
    color = "red" if r.action == "failed" else "yellow" if r.action == "delayed" else "green"
    code = " ".join(x for x in (r.status, f"({r.replycode})" if r.replycode else None) if x)
    hard = "  permanent for this address" if r.hard else ""
    out = [style(f"  {r.recipient or '(unknown recipient)'}  {r.action or '?'}  {code}{hard}".rstrip(), fg=color,
                 bold=True),
           f"    reason:     {r.reason.value} — {REASON_WORDS.get(r.reason, r.reason.value)}"]
    network = networks.lookup(r.sending_ip or r.sending_prefix)
    if r.sending_ip:
        owner = f"  {network.label}" if network is not None else ""
        out.append(f"    sending IP: {r.sending_ip}  prefix {r.sending_prefix}{owner}")
    if r.blocklist:
        out.append(f"    block list: {r.blocklist}")
    if r.remote_mta:
        out.append(f"    remote MTA: {r.remote_mta}{' [' + r.provider + ']' if r.provider else ''}")
    elif r.provider:
        out.append(f"    receiver:   {r.provider}")
    if r.diagnostic:
        out.append(f"    diagnostic: {r.diagnostic if explain else _clip(r.diagnostic, MAX_DIAGNOSTIC)}")
    if r.will_retry_until:
        out.append(f"    retries until: {r.will_retry_until}")
    if r.reason not in (Reason.DELIVERED, Reason.VACATION):
        out.append("    " + style("what to do: ", bold=True) + _advice(r, network))
    if explain:
        out.append(f"    decided by: rule {r.rule or '-'} on {r.evidence!r}")
        if r.sending_ip:
            out.append(f"    sending IP from: {r.sending_ip_source or '-'}")
    return out


def _advice(r: Recipient, network: Network | None) -> str:
    """The reason's advice; for a provider's shared pool the provider's action; the list's removal page."""
    from reports.advice import INFRASTRUCTURE_REASONS, OWNER_ONLY, removal_page  # noqa: PLC0415 - light, data only

    text = advice_for(r.reason, ip=r.sending_ip, prefix=r.sending_prefix, blocklist=r.blocklist, status=r.status,
                      temporary=r.action == "delayed")
    owner_action = network.owner_action if network is not None else None
    if owner_action and r.reason in INFRASTRUCTURE_REASONS:
        if r.reason in OWNER_ONLY:
            on_list = f" (listed on {r.blocklist})" if r.blocklist else ""
            return f"{OWNER_ONLY[r.reason].format(on_list=on_list)} {owner_action}"
        return f"{text} {owner_action}"
    page = removal_page(r.blocklist) if r.reason is Reason.BLOCKED else None
    return f"{text} Look up the listing and request removal at {page}." if page else text


class _Networks:
    """Names the network of a sending address (Microsoft 365 outbound, Google, ...), loaded on first use."""

    def __init__(self) -> None:
        self._table: NetworkTable | None = None

    def lookup(self, value: str | None) -> Network | None:
        if not value:
            return None
        if self._table is None:
            from reports.networks import NetworkTable  # noqa: PLC0415 - only when there is an address to name

            self._table = NetworkTable()
        return self._table.lookup(value)

    def name(self, value: str | None) -> str:
        network = self.lookup(value)
        return network.label if network is not None else ""


def _original(o: Original, style: Style) -> list[str]:
    rows = [("From", o.from_), ("To", o.to), ("Subject", o.subject), ("Date", o.date), ("Message-ID", o.message_id),
            ("Return-Path", o.return_path),
            ("DKIM", ", ".join(f"d={d} s={s}" if s else f"d={d}" for d, s in o.dkim_selectors) or None)]
    shown = [f"  {label + ':':12s} {_clip(value, 200)}" for label, value in rows if value]
    return [style("Original message", bold=True), *shown] if shown else []


def _hops(hops: tuple[Hop, ...], label: str, style: Style, explain: bool) -> list[str]:
    out = [style(f"Hops{label}, oldest first", bold=True)]
    skipped = max(0, len(hops) - MAX_HOPS)
    if skipped:
        out.append(f"   ... {skipped} older hops")
    for i, h in enumerate(hops[skipped:], start=skipped + 1):
        delay = _delay(h.delay_s)
        src = h.from_host or h.from_rdns or "?"
        if h.from_rdns and h.from_host and h.from_rdns.lower() != h.from_host.lower():
            src += f" ({h.from_rdns})"
        if h.from_ip:
            src += f" [{h.from_ip}]"
        via = " ".join(x for x in (h.protocol, h.tls if h.tls and h.tls != "TLS" else None) if x) or "?"
        out.append(f"  {i:2d}. {h.at or '?':25s} {delay:>8s}  {src} -> {h.by_host or h.by_ip or '?'} ({via})")
        if explain and h.raw:
            out.append(f"        {_clip(h.raw, 300)}")
    return out


def _delay(seconds: float | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else "+"
    s = abs(seconds)
    if s < 120:
        return f"{sign}{s:.0f}s"
    if s < 7200:
        return f"{sign}{s / 60:.0f}min"
    if s < 172800:
        return f"{sign}{s / 3600:.1f}h"
    return f"{sign}{s / 86400:.1f}d"


def _distinct(auth: tuple[AuthResult, ...]) -> list[AuthResult]:
    """Drop ARC copies of verdicts the same server also wrote in its Authentication-Results."""
    plain = {(a.authserv_id, a.method, a.result) for a in auth if a.header == "authentication-results"}
    return [a for a in auth if a.header != "arc-authentication-results"
            or (a.authserv_id, a.method, a.result) not in plain]


def _auth(x: AuthResult) -> str:
    props = " ".join(f"{k}={v}" for k, v in x.properties)
    who = f" by {x.authserv_id}" if x.authserv_id else ""
    arc = ""
    if x.instance is not None:
        arc = f" (ARC i={x.instance})"
    elif x.header == "received-spf":
        arc = " (Received-SPF)"
    why = x.reason
    if x.method == "compauth" and (words := compauth_text(x.reason)):
        why = f"{x.reason}: {words}"
    return _clip(f"  {x.method}={x.result}{who}{arc} {props}{f' ({why})' if why else ''}".rstrip(), 240)


def _antispam(s: AntiSpam) -> list[str]:
    rows = [
        ("SFV", s.sfv, s.sfv_text), ("SCL", s.scl, s.scl_text), ("CAT", s.cat, s.cat_text),
        ("BCL", s.bcl, s.bcl_text),
        ("IPV", s.ipv, s.ipv_text), ("SFTY", s.sfty, s.sfty_text), ("DIR", s.dir, s.dir_text),
        ("CIP", s.cip, s.ctry), ("PTR", s.ptr, "no reverse DNS record" if s.ptr == "InfoNoRecords" else None),
        ("H", s.helo, "the HELO/EHLO name"), ("SRV", s.srv, "identified as bulk" if s.srv == "BULK" else None),
    ]
    return [f"  {key}:{value}" + (f"  {words}" if words else "") for key, value, words in rows if value is not None]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
