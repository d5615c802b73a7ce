"""Courier mail server bounces: "NOTICE: mail delivery status." from "Courier mail server at <host>".

courierdsn (courier/dsn.c, module.esmtp) writes, before a message/delivery-status part:
                               UNDELIVERABLE MAIL
    Your message to the following recipients cannot be delivered:
    <rcpt@example.net>:
        mx.example.net [192.0.2.5]:
    >>> RCPT TO:<rcpt@example.net>
    <<< 550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown
and "DELAYS IN DELIVERING YOUR MESSAGE" for delays. Local failures have no transcript, only a text
such as "No such domain." Source: Courier documentation (courierdsn, "Delivery status notifications").
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import command_name, join_reply_lines

_FROM = lazy(r"courier mail server at", re.I)
_BODY = lazy(r"running the courier mail server|undeliverable mail|delays in delivering your message", re.I)
_RCPT = lazy(r"^<([^>]+)>:\s*$")
_HOST = lazy(r"^([A-Za-z0-9.\-]+) \[[0-9a-fA-F.:]+\]:\s*$")
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("courier.no-domain", Reason.HOSTUNKNOWN, lazy(r"^no such domain\.?$", re.I)),
    ("courier.too-big", Reason.MESGTOOBIG, lazy(r"message size exceeds maximum allowed", re.I)),
    ("courier.loop", Reason.NETWORKERROR, lazy(r"forwarding loop|too many hops", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822", "content-type: text/rfc822-headers",
                                "the original message follows"), p.lower)
    if not _BODY.search(head):
        return None
    delayed = "delays in delivering your message" in head.lower()
    found: list[Found] = []
    rcpt: str | None = None
    host: str | None = None
    command: str | None = None
    reply: list[str] = []

    def flush() -> None:
        if rcpt is not None:
            text = join_reply_lines("\n".join(reply)) if reply else None
            f = Found(recipient=rcpt, remote_mta=host, command=command, diagnostic=text,
                      action="delayed" if delayed else "failed")
            found.append(with_verdict(f, RULES))

    for line in lines(head):
        key = line.strip()
        m = _RCPT.match(key)
        if m:
            flush()
            rcpt, host, command, reply = m.group(1), None, None, []
        elif rcpt is None or not key or key.startswith("-----"):
            continue
        elif (h := _HOST.match(key)) is not None:
            host = h.group(1)
        elif key.startswith(">>>"):
            command = command_name(key[3:].strip().split(":")[0].split(" ")[0]) or command
        elif key.startswith("<<<"):
            reply.append(key[3:].strip())
        elif not reply and not key.lower().startswith(("if your message", "the original message")):
            reply.append(key)
    flush()
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    if delayed:
        recipients = tuple(r if r.action else replace(r, action="delayed") for r in recipients)
    return Detection(reporter="courier", recipients=recipients, reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): _FROM in the raw From.
GATE: Gate = (Clause(sender=("courier mail server at",)),)
DETECTOR: Detector = Detector("courier", detect, GATE)
