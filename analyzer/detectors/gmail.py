"""Gmail's own bounces: the plain-text layout ("Delivery to the following recipient failed
permanently:") and the newer multipart/report layout ("** Address not found **").

Gmail writes either the refusing server's reply ("The error that the other server returned was:",
"The response from the remote server was:") or its own text (DNS errors, unreachable hosts, quota):
own texts are classified here by analyzer.classify.google.SENDER_RULES, remote replies by the usual
chain (the receiving provider's table first). The old layout marks the SMTP phase with
"(state N)": 13/14 answered RCPT TO, 17/18 the message data.
Source: the notices themselves (see analyzer.detectors.google_common).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.classify import google
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Gate
from analyzer.detectors.google_common import (
    DELAY_HEADLINE,
    HEADLINE,
    REMOTE_RESPONSE,
    from_google,
    google_gate,
    response,
)
from analyzer.detectors.vendor_text import (
    combine,
    dsn_founds,
    header_addresses,
    only_address,
    specific_status,
    with_verdict,
)
from analyzer.mime import Parsed, headers_from_text
from analyzer.regex import lazy

_OLD_HEAD = lazy(r"delivery to the following recipients? (failed permanently|has been delayed|"
                       r"failed temporarily)\s*:?", re.I)
_TECH = lazy(r"technical details of (permanent|temporary) failure:", re.I)
_ORIGINAL = lazy(r"^-{3,}\s*(?:original message|message header follows)\s*-{3,}\s*$", re.I | re.M)
_OTHER_SERVER = lazy(r"the error that the other server returned was:\s*", re.I)
_BY_HOST = lazy(r"rejected by the server for the recipient domain \S+ by ([A-Za-z0-9.-]+?)\.?\s+"
                      r"\[([0-9A-Fa-f.:]+)\]")
_STATE = lazy(r"(?<!\s)\s*\(state (\d{1,2})\)\.?\s*$")
_DOUBLE_CODE = lazy(r"^([245]\d\d) \1\b")
_STATE_COMMAND = {"13": "RCPT", "14": "RCPT", "17": "DATA", "18": "DATA"}


def detect(p: Parsed) -> Detection | None:
    if not from_google(p):
        return None
    text = p.text
    old = _OLD_HEAD.search(text[:5000])
    if old:
        return _old_layout(p, text, old)
    if HEADLINE.search(text[:2000]) and p.dsn is not None and p.dsn.recipients:
        return _new_layout(p, text)
    return None


def _old_layout(p: Parsed, text: str, head: re.Match[str]) -> Detection | None:
    delayed = "delayed" in head.group(1).lower() or "temporarily" in head.group(1).lower()
    orig = _ORIGINAL.search(text)
    body = text[: orig.start()] if orig else text
    tech = _TECH.search(body)
    listing = body[head.end(): tech.start() if tech else len(body)]
    recipients = [a for a in (only_address(x) for x in listing.splitlines()) if a]
    recipients = recipients or header_addresses(p, "X-Failed-Recipients")
    if not recipients:
        return None
    details = " ".join(body[tech.end():].split()) if tech else ""
    base = _details(details, delayed=delayed)
    founds = [replace(base, recipient=r) for r in recipients]
    return Detection(
        reporter="gmail",
        recipients=combine(dsn_founds(p), founds),
        original=headers_from_text(text[orig.end():].lstrip("\r\n")) if orig and p.original is None else None,
    )


def _details(details: str, *, delayed: bool) -> Found:
    """One Found (without recipient) from the "Technical details of ... failure" paragraph."""
    action = "delayed" if delayed else "failed"
    other = _OTHER_SERVER.search(details)
    if other is None:  # Gmail's own words
        found = Found(recipient=None, action=action, diagnostic=details or None)
        return with_verdict(found, google.SENDER_RULES, details or ("delivery to the following recipient "
                                                                     "has been delayed" if delayed else ""))
    reply = details[other.end():].strip()
    state = _STATE.search(reply)
    if state:
        reply = reply[: state.start()]
    reply = _DOUBLE_CODE.sub(r"\1", reply)
    by = _BY_HOST.search(details)
    found = specific_status(Found(
        recipient=None, action=action, diagnostic=reply, diagnostic_type="smtp",
        remote_mta=by.group(1) if by else None,
        command=_STATE_COMMAND.get(state.group(1)) if state else None,
    ))
    return with_verdict(found, google.SENDER_RULES)  # Gmail words some replies itself ("does not support TLS")


def _new_layout(p: Parsed, text: str) -> Detection:
    headline = HEADLINE.search(text[:2000])
    delayed = bool(headline and DELAY_HEADLINE.search(headline.group(1)))
    said = response(text)
    remote = bool(REMOTE_RESPONSE.search(text))
    out: list[Found] = []
    for listed in dsn_founds(p):
        f = replace(listed, action=listed.action or ("delayed" if delayed else "failed"),
                    diagnostic=listed.diagnostic or said, remote_mta=_host(listed.remote_mta))
        f = specific_status(f)
        if not remote and not f.remote_mta:
            f = with_verdict(f, google.SENDER_RULES, f.diagnostic or _intro(text))
        out.append(f)
    report = p.dsn
    return Detection(
        reporter="gmail",
        recipients=tuple(out),
        reporting_mta=report.reporting_mta if report else None,
        received_from_mta=report.received_from_mta if report else None,
        arrival_date=report.arrival_date if report else None,
    )


def _host(remote_mta: str | None) -> str | None:
    """'mx.example.de. (2001:db8::25, the server for the domain example.de.)' -> 'mx.example.de'."""
    if not remote_mta:
        return None
    return remote_mta.split("(", 1)[0].strip().rstrip(".") or None


def _intro(text: str) -> str:
    """The headline and first paragraph of the newer layout (what Gmail says when there is no reply)."""
    return " ".join(text[:1500].split())


# detect(): from_google, and _OLD_HEAD or a HEADLINE ("** ... **") in the text.
GATE: Gate = google_gate(("delivery to the following recipient", "**"))
DETECTOR: Detector = Detector("gmail", detect, GATE)
