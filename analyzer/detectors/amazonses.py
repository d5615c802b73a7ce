"""Amazon SES bounces: SNS/event notifications (JSON) and SES's own DSN e-mails.

JSON: {"notificationType": "Bounce"|"Complaint"|"Delivery", "bounce": {"bounceType",
"bounceSubType", "bouncedRecipients": [{"emailAddress", "action", "status", "diagnosticCode"}],
"reportingMTA", "remoteMtaIp"}, "mail": {...}} (also "eventType" from event publishing, and the SNS
envelope {"Type": "Notification", "Message": "<the JSON as a string>"}).
Source: Amazon SES Developer Guide, "Contents of notifications for Amazon SES"
(docs.aws.amazon.com/ses/latest/dg/notification-contents.html) and "Contents of event data"
(event-publishing-retrieving-sns-contents.html).

DSN e-mail (From MAILER-DAEMON@amazonses.com): "The following message to <x> was undeliverable.
The reason for the problem: 5.1.0 - Unknown address error 550-'5.1.1 ...'" with a
message/delivery-status part. Amazon WorkMail's variant is read by the amazonworkmail detector.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from email.message import Message
from typing import Any

from analyzer import limits
from analyzer.classify import amazon
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, specific_status, with_verdict
from analyzer.dsn import split_type
from analyzer.mime import Parsed, headers_from_text
from analyzer.model import Kind
from analyzer.reasons import Reason
from analyzer.regex import lazy

_UNDELIVERABLE = lazy(r"the following message to <([^<>\s]+@[^<>\s]+)> was undeliverable", re.I)
_REASON = lazy(r"the reason for the problem:\s*(.+?)(?:\n\s*\n|$)", re.I | re.S)
# "5.1.0 - Unknown address error 550-'5.1.1 <x>... User Unknown'": the quoted part is the remote's reply
_QUOTED_REPLY = lazy(r"([245]\d\d)[ -]'(.+)'\s*$", re.S)


def detect(p: Parsed) -> Detection | None:
    text = p.text
    head = text[:20000]
    if ("notificationType" in head or "eventType" in head) and "{" in head:
        from_json = _from_json(text)
        if from_json is not None:
            return from_json
    m = _UNDELIVERABLE.search(text[:5000])
    if not m or "amazonses.com" not in (p.header("From") or "").lower() + (p.header("Message-ID") or "").lower():
        return None
    why = _REASON.search(text[m.end():])
    diagnostic = " ".join(why.group(1).split()) if why else None
    if diagnostic:
        quoted = _QUOTED_REPLY.search(diagnostic)
        if quoted:
            diagnostic = f"{quoted.group(1)} {quoted.group(2)}"
    found = specific_status(Found(recipient=m.group(1), action="failed", diagnostic=diagnostic))
    dsn = p.dsn
    return Detection(
        reporter="amazonses",
        recipients=combine(dsn_founds(p), [with_verdict(found, amazon.SENDER_RULES)]),
        reporting_mta=dsn.reporting_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
    )


def _load(text: str) -> dict[str, Any] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or end - start > limits.MAX_DSN_CHARS:
        return None
    try:
        data = json.loads(text[start: end + 1])
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("Message"), str):  # SNS envelope
        try:
            data = json.loads(data["Message"])
        except ValueError:
            return None
    return data if isinstance(data, dict) else None


def _from_json(text: str) -> Detection | None:
    data = _load(text)
    if data is None:
        return None
    kind = str(data.get("notificationType") or data.get("eventType") or "")
    mail: dict[str, Any] = data["mail"] if isinstance(data.get("mail"), dict) else {}
    if kind == "Bounce" and isinstance(data.get("bounce"), dict):
        found = _bounce(data["bounce"])
        return replace(found, original=_original(mail)) if found is not None else None
    if kind == "Complaint" and isinstance(data.get("complaint"), dict):
        c = data["complaint"]
        ftype = str(c.get("complaintFeedbackType") or "abuse")
        rcpts = [r.get("emailAddress") for r in c.get("complainedRecipients") or [] if isinstance(r, dict)]
        return Detection(reporter="amazonses", kind=Kind.FEEDBACK, feedback_type=ftype, recipients=tuple(
            Found(recipient=str(r), reason=Reason.FEEDBACK, rule="ses.complaint", evidence=f"complaint: {ftype}",
                  feedback_type=ftype) for r in rcpts if r))
    if kind == "Delivery" and isinstance(data.get("delivery"), dict):
        d = data["delivery"]
        rcpts = d.get("recipients") or mail.get("destination") or []
        return Detection(reporter="amazonses", reporting_mta=d.get("reportingMTA"), recipients=tuple(
            Found(recipient=str(r), action="delivered", status="2.0.0", diagnostic=d.get("smtpResponse"))
            for r in rcpts if isinstance(r, str)))
    return None


def _original(mail: dict[str, Any]) -> Message[Any, Any] | None:
    """The sent message's headers as SES reports them ("headers", else "commonHeaders")."""
    lines: list[str] = []
    for h in mail.get("headers") or []:
        if isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str):
            lines.append(f"{h['name']}: {h['value']}")
    common = mail.get("commonHeaders")
    if not lines and isinstance(common, dict):
        for key, name in (("from", "From"), ("to", "To"), ("subject", "Subject"), ("date", "Date"),
                          ("messageId", "Message-ID")):
            value = common.get(key)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            if isinstance(value, str) and value:
                lines.append(f"{name}: {value}")
    text = "\n".join(x.replace("\r", " ").replace("\n", " ") for x in lines[:200])
    return headers_from_text(text + "\n") if text else None


def _bounce(b: dict[str, Any]) -> Detection | None:
    btype, subtype = str(b.get("bounceType") or ""), b.get("bounceSubType")
    typed = amazon.BOUNCE_TYPES.get((btype, str(subtype) if subtype else None))
    out: list[Found] = []
    for r in b.get("bouncedRecipients") or []:
        if not isinstance(r, dict) or not r.get("emailAddress"):
            continue
        dtype, diag = split_type(r.get("diagnosticCode")) if r.get("diagnosticCode") else (None, None)
        # a Transient bounce is a soft failure SES has given up on (not a delay: SES does not retry after it)
        found = Found(recipient=str(r["emailAddress"]), status=r.get("status"), diagnostic_type=dtype,
                      diagnostic=diag, action=str(r.get("action") or "failed"))
        if typed is not None:
            found = replace(found, reason=typed, rule=f"ses.{btype}.{subtype}".lower(),
                            evidence=f"bounceType {btype}, bounceSubType {subtype}")
        else:
            found = with_verdict(found, amazon.SENDER_RULES)
        out.append(specific_status(found))
    if not out:
        return None
    mta = split_type(b.get("reportingMTA"))[1] if isinstance(b.get("reportingMTA"), str) else None
    return Detection(reporter="amazonses", recipients=tuple(out), reporting_mta=mta,
                     arrival_date=b.get("timestamp") if isinstance(b.get("timestamp"), str) else None)


# detect(): "notificationType"/"eventType" (the JSON notification) or _UNDELIVERABLE in the text.
GATE: Gate = (Clause(text=("notificationtype", "eventtype", "> was undeliverable")),)
DETECTOR: Detector = Detector("amazonses", detect, GATE)
