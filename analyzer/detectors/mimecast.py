"""Mimecast bounces: "[Postmaster] Email Delivery Failure".

    An email that you attempted to send to the following address could not be delivered:
    -- rcpt@example.org
    The problem appears to be :
    -- Recipient email address is possibly incorrect
    Additional information follows :
    -- 5.4.1 Recipient address rejected: Access denied. [...]
Source: Mimecast knowledge base ("Email Delivery Failure" notifications) and observed bounces.
"""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import find_command

_DASHED = lazy(r"^--\s+(.*)$")


def detect(p: Parsed) -> Detection | None:
    subject = (p.raw_header("Subject") or "").lower()
    if "[postmaster] email delivery failure" not in subject:
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822", "content-type: text/rfc822-headers"), p.lower)
    rcpts: list[str] = []
    problem: str | None = None
    info: list[str] = []
    section = "rcpt"
    for line in lines(head):
        key = line.strip().lower()
        if key.startswith("the problem appears to be"):
            section = "problem"
            continue
        if key.startswith("additional information follows"):
            section = "info"
            continue
        m = _DASHED.match(line.strip())
        if m is None:
            continue
        value = m.group(1).strip()
        if section == "rcpt" and "@" in value:
            rcpts.append(value)
        elif section == "problem":
            problem = value
        elif section == "info":
            info.append(value)
    diagnostic = " ".join(info) or problem
    if diagnostic and diagnostic.split(" ", 1)[0].count(".") == 2 and "smtp;" in diagnostic.lower()[:20]:
        diagnostic = diagnostic.replace("SMTP; ", "", 1).replace("smtp; ", "", 1)
    found = [Found(recipient=r, diagnostic=diagnostic, command=find_command(diagnostic)) for r in rcpts]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    return Detection(reporter="mimecast", recipients=recipients,
                     reporting_mta=p.dsn.reporting_mta if p.dsn else None)


# detect(): its subject.
GATE: Gate = (Clause(subject=("[postmaster] email delivery failure",)),)
DETECTOR: Detector = Detector("mimecast", detect, GATE)
