"""Building blocks shared by the vendor formats: the event record, dates, headers, MIME parts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Original:
    """The message that bounced, as its headers were returned."""

    message_id: str  # "<...@example.com>"
    sender: str  # envelope and From address
    sender_name: str  # From display name
    recipient: str  # To address
    subject: str
    sent_at: datetime  # Date header (UTC)
    received: tuple[str, ...]  # Received header values, newest first
    extra: tuple[tuple[str, str], ...] = ()  # further headers (DKIM-Signature, Authentication-Results, ...)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One failed or delayed delivery, as the generating MTA saw it."""

    at: datetime  # when the NDR was generated (UTC)
    action: str  # failed | delayed
    status: str  # RFC 3463 status, e.g. "5.7.1"
    reply: tuple[str, ...]  # the SMTP reply lines as received ("550-5.7.1 ...", ..., "550 5.7.1 ...")
    remote_mta: str  # the receiving server's host name
    remote_ip: str  # the receiving server's address
    smtp_phase: str  # RCPT TO | end of DATA | MAIL FROM
    original: Original
    mailbox: str  # where the NDR is delivered (the bounce mailbox)


def rfc_date(moment: datetime) -> str:
    """'Sat, 01 Mar 2025 10:00:00 +0000'."""
    return format_datetime(moment)


def one_line(reply: tuple[str, ...]) -> str:
    """The reply as one line, continuation codes kept (how Exchange quotes it)."""
    return " ".join(reply)


def token(rng: random.Random, n: int, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def boundary(rng: random.Random) -> str:
    return f"{token(rng, 12, '0123456789abcdef')}-{token(rng, 8, '0123456789abcdef')}"


def original_headers(o: Original) -> str:
    """The returned header block (no body)."""
    lines = [f"Received: {r}" for r in o.received]
    lines += [f"{name}: {value}" for name, value in o.extra]
    lines += [
        f"From: {o.sender_name} <{o.sender}>",
        f"To: <{o.recipient}>",
        f"Subject: {o.subject}",
        f"Date: {rfc_date(o.sent_at)}",
        f"Message-ID: {o.message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=\"utf-8\"",
        "Content-Transfer-Encoding: 7bit",
    ]
    return "\n".join(lines) + "\n"


def original_message(o: Original) -> str:
    """The returned message with a short body."""
    first = o.sender_name.split()[0]
    return original_headers(o) + f"\nHello,\n\nplease find the details below.\n\nBest regards,\n{first}\n"


def envelope(*, sender: str, to: str, subject: str, at: datetime, message_id: str, received: list[str],
             extra: list[tuple[str, str]], content_type: str) -> str:
    """The NDR's own top-level header block."""
    lines = [f"Received: {r}" for r in received]
    lines += ["Return-Path: <>"]
    lines += [f"{name}: {value}" for name, value in extra]
    lines += [f"From: {sender}", f"To: <{to}>", f"Subject: {subject}", f"Date: {rfc_date(at)}",
              f"Message-ID: {message_id}", "MIME-Version: 1.0", f"Content-Type: {content_type}"]
    return "\n".join(lines) + "\n"


def later(moment: datetime, rng: random.Random, lo: float, hi: float) -> datetime:
    """A moment a random number of seconds after `moment`."""
    return moment + timedelta(seconds=rng.uniform(lo, hi))
