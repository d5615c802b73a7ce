"""Postfix bounces: "Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)".

Postfix (bounce(8), templates in bounce.cf.default) writes one paragraph per recipient:
    <rcpt@example.net> (expanded from <alias@example.org>): host mx.example.net[192.0.2.1] said:
        550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)
and, usually, a message/delivery-status part. The paragraph names the SMTP command the refusal answered,
which the DSN part does not. Also read: the postmaster copy "Postfix SMTP server: errors from ..."
(an smtpd session transcript) and "Delivery report unavailable" (no recipients: the original's To).
Source: Postfix documentation (bounce(8), smtpd(8) notify_classes) and observed bounces.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import find_command

_SUBJECTS = ("undelivered mail returned to sender", "delayed mail (still being retried)",
             "undeliverable mail returned", "postfix smtp server: errors from", "delivery status notification")
_SIGNATURES = ("this is the mail system at host", "this is the postfix program at host")
_BODY = lazy(r"this is the (?:mail system|postfix program) at host|transcript of session follows",
                   re.I)
# "<rcpt> (expanded from <alias>): text" at the start of a recipient paragraph.
_RCPT = lazy(r"^<([^>\s]{1,300}@[^>\s]{1,255}|[^>\s@]{1,100})>(?: \(expanded from <([^>]*)>\))?:\s*(.*)$")
_REMOTE = lazy(r"\bhost ([A-Za-z0-9.\-]+)\[[^\]]*\](?: said| refused)", re.I)
_CONNECT_TO = lazy(r"(?:connect to|lost connection with|conversation with) ([A-Za-z0-9.\-]+)\[", re.I)
_ORIGINAL = ("content-type: message/rfc822", "content-type: text/rfc822-headers")
_SAID = lazy(r"^host [A-Za-z0-9.\-]+\[[^\]]*\] said:\s*", re.I)
_IN_REPLY = lazy(r"(?<!\s)\s*\(in reply to [^)]{1,40} command\)\s*$", re.I)

# Postfix's own texts whose meaning the format decides (local(8)/pipe(8) delivery agents).
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("postfix.command-output", Reason.MAILERERROR, lazy(r"command output:|command died with status", re.I)),
)
# The session stage a connection-level error happened in (smtp(8) wording).
_STAGE = (
    (lazy(r"refused to talk to me|while receiving the initial server greeting", re.I), "CONN"),
    (lazy(r"while performing the (?:EHLO|HELO) handshake", re.I), "EHLO"),
    (lazy(r"while sending (?:MAIL FROM|RCPT TO)", re.I), None),
    (lazy(r"while sending (?:message body|end of data|DATA)", re.I), "DATA"),
)


def detect(p: Parsed) -> Detection | None:
    subject = (p.raw_header("Subject") or "").lower()
    if not any(s in subject for s in _SUBJECTS):
        # localized templates (bounce.cf) change the subject, not the "(Mail Delivery System)" sender
        sender = (p.raw_header("From") or "").lower()
        if "mailer-daemon" not in sender or not any(p.lower.find(m, 0, 4000) >= 0 for m in _SIGNATURES):
            return None
    text = p.text
    if not _BODY.search(text[:4000]):
        return None
    if "postfix smtp server: errors from" in subject:
        return _smtpd_transcript(p, text)
    head, _ = split_at(text, _ORIGINAL, p.lower)
    found = [with_verdict(f, RULES) for f in _paragraphs(head)]
    dsn = p.dsn
    recipients = merge(found, dsn)
    if not recipients:
        to = p.original.get("To") if p.original is not None else None
        if not to or "delivery report unavailable" not in text.lower():
            return None
        recipients = (Found(recipient=str(to), action="failed"),)
    return Detection(
        reporter="postfix",
        recipients=recipients,
        reporting_mta=dsn.reporting_mta if dsn else None,
        received_from_mta=dsn.received_from_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
    )


def _paragraphs(text: str) -> list[Found]:
    out: list[Found] = []
    current: list[str] | None = None
    rcpt: tuple[str, str | None] | None = None
    for line in [*lines(text), ""]:
        m = _RCPT.match(line)
        if m:
            if rcpt is not None and current is not None:
                out.append(_found(rcpt, current))
            rcpt, current = (m.group(1), m.group(2)), [m.group(3)]
        elif current is not None and line.strip() and (line[:1] in " \t" or not line.startswith("--")):
            current.append(line.strip())
        elif current is not None and rcpt is not None:
            out.append(_found(rcpt, current))
            rcpt, current = None, None
    return out


def _found(rcpt: tuple[str, str | None], parts: list[str]) -> Found:
    diagnostic = " ".join(x for x in parts if x)
    remote = _REMOTE.search(diagnostic) or _CONNECT_TO.search(diagnostic)
    command = find_command(diagnostic)
    if command is None:
        for pattern, stage in _STAGE:
            if pattern.search(diagnostic):
                command = stage
                break
    said = _SAID.search(diagnostic)
    if said is not None:  # keep the server's words; the host and the command are fields of their own
        diagnostic = _IN_REPLY.sub("", diagnostic[said.end():]).strip()
    return Found(
        recipient=rcpt[0],
        original_recipient=rcpt[1] or None,
        diagnostic=diagnostic or None,
        remote_mta=remote.group(1) if remote else None,
        command=command,
    )


_SESSION_LINE = lazy(r"^\s*(In|Out):\s+(.*)$")
_RCPT_TO = lazy(r"RCPT TO:\s*<([^>]+)>", re.I)


def _smtpd_transcript(p: Parsed, text: str) -> Detection | None:
    """'Postfix SMTP server: errors from host': the last error reply of an smtpd transcript."""
    rcpts: list[str] = []
    command: str | None = None
    error: str | None = None
    last_in: str | None = None
    for line in lines(text):
        m = _SESSION_LINE.match(line)
        if m is None:
            if last_in is not None and line[:1] in " \t":
                last_in += " " + line.strip()
            continue
        direction, rest = m.group(1), m.group(2).strip()
        if direction == "In":
            last_in = rest
            r = _RCPT_TO.search(rest)
            if r:
                rcpts.append(r.group(1))
        elif rest[:1] in "45":
            error = rest
            word = (last_in or "").split(":")[0].split(" ")[0].upper()
            command = {"RCPT": "RCPT", "MAIL": "MAIL", "DATA": "DATA", "EHLO": "EHLO", "HELO": "HELO"}.get(word)
    if error is None or not rcpts:
        return None
    found = tuple(Found(recipient=r, diagnostic=error, command=command, action="failed") for r in rcpts)
    return Detection(reporter="postfix", recipients=found)


# detect(): one of _SUBJECTS in the raw subject, or a mailer-daemon sender and one of _SIGNATURES; then _BODY.
GATE: Gate = (Clause(subject=_SUBJECTS, text=(*_SIGNATURES, "transcript of session follows")),
              Clause(sender=("mailer-daemon",), text=_SIGNATURES))
DETECTOR: Detector = Detector("postfix", detect, GATE)
