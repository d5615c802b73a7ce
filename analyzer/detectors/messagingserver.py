"""Oracle (Sun ONE, iPlanet) Messaging Server and PMDF: "Delivery Notification: Delivery has failed".

The notification text lists each recipient with labelled fields:
    Your message cannot be delivered to the following recipients:
      Recipient address: rcpt@example.net
      Original address: alias@example.org
      Reason: Remote SMTP server has rejected address
      Diagnostic code: smtp;550 5.1.1 <rcpt@example.net>... User unknown
      Remote system: dns;mx.example.net (TCP|192.0.2.1|47323|192.0.2.2|25) (mx.example.net ESMTP)
followed by a message/delivery-status part. The "Reason" line names the SMTP stage.
Source: Oracle Communications Messaging Server administration guide (delivery status notifications)
and observed notifications.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import find_command

_SUBJECT = "delivery notification:"
_BODY = lazy(r"this report relates to a message you sent with the following header fields", re.I)
_FIELD = lazy(r"^\s+(Recipient address|Original address|Reason|Diagnostic code|Remote system):\s*(.*)$", re.I)

# The "Reason:" texts (Messaging Server's MTA error strings) and what they state.
_STAGES: tuple[tuple[Regex, str | None, Reason | None], ...] = (
    (lazy(r"remote smtp server has rejected address", re.I), "RCPT", None),
    (lazy(r"server rejected mail from address", re.I), "MAIL", None),
    (lazy(r"smtp transmission failure has occurred", re.I), "DATA", None),
    (lazy(r"illegal host/domain name found", re.I), None, Reason.HOSTUNKNOWN),
    (lazy(r"host/domain does not accept mail", re.I), None, Reason.NOTACCEPT),
    (lazy(r"^over quota", re.I), None, Reason.MAILBOXFULL),
    (lazy(r"unable to deliver this message after", re.I), None, Reason.EXPIRED),
)


def detect(p: Parsed) -> Detection | None:
    if _SUBJECT not in (p.raw_header("Subject") or "").lower():
        return None
    text = p.text
    if not _BODY.search(text[:500]):
        return None
    found: list[Found] = []
    fields: dict[str, str] = {}
    for line in [*lines(text), "end:"]:
        m = _FIELD.match(line)
        if m is None:
            continue
        name, value = m.group(1).lower(), m.group(2).strip()
        if name == "recipient address" and fields:
            found.append(_found(fields))
            fields = {}
        fields.setdefault(name, value)
    if fields:
        found.append(_found(fields))
    found = [f for f in found if f.recipient]
    if not found:
        return None
    dsn = p.dsn
    delayed = "has been delayed" in (p.raw_header("Subject") or "").lower()
    return Detection(
        reporter="messagingserver",
        recipients=tuple(r if r.action or not delayed else _delayed(r) for r in merge(found, dsn)),
        reporting_mta=dsn.reporting_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
    )


def _delayed(f: Found) -> Found:
    return replace(f, action="delayed")


def _found(fields: dict[str, str]) -> Found:
    recipient = fields.get("recipient address") or ""
    original = fields.get("original address")
    if original and ("@" not in recipient or recipient.startswith("@") or ":" in recipient):
        recipient = original  # a source route "@relay:rcpt@host" names the internal hop, not the address
    reason_text = fields.get("reason", "")
    diagnostic = fields.get("diagnostic code", "")
    if ";" in diagnostic[:12]:
        diagnostic = diagnostic.split(";", 1)[1].strip()
    command, verdict = None, None
    for pattern, stage, reason in _STAGES:
        if pattern.search(reason_text):
            command, verdict = stage, reason
            break
    remote = fields.get("remote system", "")
    remote_host = remote.split(";", 1)[-1].split()[0] if remote else None
    return Found(
        recipient=recipient or None,
        original_recipient=original,
        diagnostic=diagnostic or reason_text or None,
        remote_mta=remote_host or None,
        command=command or find_command(diagnostic),
        reason=verdict,
        rule=f"messagingserver.{verdict.value}" if verdict else None,
        evidence=reason_text if verdict else None,
    )


# detect(): _SUBJECT in the raw subject and _BODY in the text.
GATE: Gate = (Clause(subject=(_SUBJECT,),
                     text=("this report relates to a message you sent with the following header fields",)),)
DETECTOR: Detector = Detector("messagingserver", detect, GATE)
