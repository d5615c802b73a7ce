"""What a detector receives and returns. One detector module per NDR format (see __init__)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from analyzer.detectors.gate import Gate
from analyzer.dsn import DsnRecipient
from analyzer.mime import Parsed
from analyzer.model import Kind
from analyzer.reasons import Reason
from analyzer.records import fast_init


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """One recipient as a detector read it. Empty fields are filled from the DSN part, if any."""

    recipient: str | None  # the failed address
    original_recipient: str | None = None  # Original-Recipient
    action: str | None = None  # failed | delayed | delivered | relayed | expanded
    status: str | None = None  # RFC 3463 status as written (normalised later)
    replycode: str | None = None  # SMTP reply code, when the format states it apart from the text
    diagnostic_type: str | None = None  # e.g. "smtp"
    diagnostic: str | None = None  # the refusal text (raw; cleaned later)
    remote_mta: str | None = None  # the refusing server
    last_attempt: str | None = None
    will_retry_until: str | None = None
    reason: Reason | None = None  # the detector's explicit verdict, when the format itself says it
    rule: str | None = None  # rule id for that verdict (required when reason is set)
    evidence: str | None = None  # the text that verdict rests on
    sending_ip: str | None = None  # the sending IP when the format states it (e.g. a "client IP" field)
    feedback_type: str | None = None  # ARF Feedback-Type
    command: str | None = None  # SMTP command the refusal answered: CONN HELO EHLO MAIL RCPT DATA ... (smtp.COMMANDS)


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """A detector's reading of a message."""

    reporter: str  # the detector's name
    recipients: tuple[Found, ...] = ()
    kind: Kind | None = None  # None: derived from the recipients' actions and statuses
    reporting_mta: str | None = None
    received_from_mta: str | None = None
    arrival_date: str | None = None
    feedback_type: str | None = None
    original: Message[Any, Any] | None = None  # returned headers found in the text (e.g. pasted by Exchange)


DetectFn = Callable[[Parsed], Detection | None]


@dataclass(frozen=True, slots=True)
class Detector:
    """A named detect function. First detector in DETECTORS to return a Detection wins.

    `gate` is the detect function's cheap necessary condition (analyzer.detectors.gate): when it is
    closed, detect returns None, and analyze does not call it. () is always open.
    """

    name: str
    detect: DetectFn
    gate: Gate = ()


def from_dsn_recipient(r: DsnRecipient) -> Found:
    """A Found filled from one RFC 3464 per-recipient block."""
    return Found(
        recipient=r.final_recipient or r.original_recipient,
        original_recipient=r.original_recipient,
        action=r.action,
        status=r.status,
        diagnostic_type=r.diagnostic_type,
        diagnostic=r.diagnostic,
        remote_mta=r.remote_mta,
        last_attempt=r.last_attempt,
        will_retry_until=r.will_retry_until,
    )
