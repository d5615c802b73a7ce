"""The one-screen human diagnosis of an Analysis (used by `ndr triage`)."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.advice import advice_for
from analyzer.model import Analysis, AuthResult, Hop, Kind, Recipient
from analyzer.reasons import Reason

Style = Callable[..., str]

# Plain-language names of reasons, for people.
REASON_WORDS: dict[Reason, str] = {
    Reason.REQUIREPTR: "no valid PTR (reverse DNS) for the sending IP",
    Reason.BADREPUTATION: "poor reputation of the sending IP or domain",
    Reason.BLOCKED: "sending IP blocked / on a block list",
    Reason.SPAMDETECTED: "judged as spam",
    Reason.AUTHFAILURE: "authentication failed (SPF/DKIM/DMARC)",
    Reason.SPEEDING: "rate limited",
    Reason.TOOMANYCONN: "too many connections or recipients",
    Reason.USERUNKNOWN: "no such recipient",
    Reason.HOSTUNKNOWN: "recipient domain unknown",
    Reason.MAILBOXFULL: "mailbox full",
    Reason.EXPIRED: "delivery timed out",
    Reason.SUSPEND: "mailbox disabled",
    Reason.REJECTED: "sender refused",
    Reason.FILTERED: "refused by a recipient filter",
    Reason.POLICYVIOLATION: "refused by the receiver's policy",
    Reason.NORELAYING: "relaying denied",
    Reason.NETWORKERROR: "network or DNS error",
    Reason.SYSTEMERROR: "receiving system error",
}


def _plain(text: str, **_: object) -> str:
    return text


def render(a: Analysis, source: str, *, explain: bool = False, style: Style = _plain) -> str:
    """A diagnosis a postmaster reads in one screen."""
    out: list[str] = []
    head = f"{source}: {a.kind.value}"
    if a.reporter:
        head += f" (reported by {a.reporter}{', ' + a.reporting_mta if a.reporting_mta else ''})"
    out.append(style(head, bold=True))
    if a.subject:
        out.append(f"  Subject: {a.subject}")
    if a.date:
        out.append(f"  Date:    {a.date}")
    if a.kind is Kind.FEEDBACK and a.feedback_type:
        out.append(f"  Feedback-Type: {a.feedback_type}")
    for r in a.recipients:
        out.extend(_recipient(r, explain, style))
    if a.original is not None and (a.original.message_id or a.original.subject or a.original.from_):
        o = a.original
        out.append(style("Original message", bold=True))
        for label, value in (("From", o.from_), ("To", o.to), ("Subject", o.subject), ("Date", o.date),
                             ("Message-ID", o.message_id)):
            if value:
                out.append(f"  {label}: {value}")
    hops = a.original.hops if a.original is not None and a.original.hops else a.hops
    if hops:
        out.append(style("Hops" + (" (original message)" if hops is not a.hops else ""), bold=True))
        out.extend(_hop(i, h) for i, h in enumerate(hops, start=1))
    auth = a.original.auth if a.original is not None and a.original.auth else a.auth
    if auth:
        out.append(style("Authentication", bold=True))
        out.extend(_auth(x) for x in auth)
    antispam = a.original.antispam if a.original is not None and a.original.antispam else a.antispam
    if antispam is not None:
        parts = [f"{k}={v}" for k, v in (("CIP", antispam.cip), ("SFV", antispam.sfv), ("SCL", antispam.scl),
                                         ("CAT", antispam.cat), ("PTR", antispam.ptr), ("BCL", antispam.bcl))
                 if v is not None]
        out.append(style("Microsoft anti-spam", bold=True) + "  " + " ".join(parts))
    if a.kind is Kind.NOT_BOUNCE and a.sending_ip:
        out.append(f"Sending IP: {a.sending_ip} ({a.sending_prefix})")
    if a.defects:
        out.append(style("Defects", bold=True) + ": " + "; ".join(a.defects[:10]))
    return "\n".join(out)


def _recipient(r: Recipient, explain: bool, style: Style) -> list[str]:
    color = "red" if r.action == "failed" else "yellow" if r.action == "delayed" else "green"
    words = REASON_WORDS.get(r.reason, r.reason.value)
    line = f"  {r.recipient or '(unknown recipient)'}  {r.action or '?'}  {r.status or ''} {r.replycode or ''}".rstrip()
    out = [style(line, fg=color, bold=True), f"    reason:  {r.reason.value} — {words}"]
    if r.sending_ip:
        out.append(f"    sending IP: {r.sending_ip} (prefix {r.sending_prefix})")
    if r.blocklist:
        out.append(f"    block list: {r.blocklist}")
    if r.remote_mta:
        out.append(f"    remote MTA: {r.remote_mta}{' [' + r.provider + ']' if r.provider else ''}")
    if r.diagnostic:
        out.append(f"    diagnostic: {r.diagnostic}")
    if r.reason not in (Reason.DELIVERED, Reason.VACATION):
        out.append("    " + style("what to do: ", bold=True)
                   + advice_for(r.reason, ip=r.sending_ip, prefix=r.sending_prefix, blocklist=r.blocklist))
    if explain:
        out.append(f"    rule: {r.rule}  evidence: {r.evidence!r}  ip from: {r.sending_ip_source}")
    return out


def _hop(i: int, h: Hop) -> str:
    delay = f"+{h.delay_s:.0f}s" if h.delay_s is not None else ""
    src = h.from_host or "?"
    if h.from_ip:
        src += f" [{h.from_ip}]"
    return f"  {i:2d}. {h.at or '?':25s} {delay:>7s}  {src} -> {h.by_host or '?'} ({h.protocol or '?'})"


def _auth(x: AuthResult) -> str:
    props = " ".join(f"{k}={v}" for k, v in x.properties)
    who = f" by {x.authserv_id}" if x.authserv_id else ""
    return f"  {x.method}={x.result}{who} {props}".rstrip()
