"""Analysis -> the rows the store writes (pure). The one place that decides what reports can query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from analyzer.model import Analysis, Kind, Recipient
from ndr.store.envelope import Envelope

# Keys of Store.iter_failures rows, in order (docs/ARCHITECTURE.md, "The store contract"). Stable.
FAILURE_KEYS: tuple[str, ...] = (
    "message_id", "source", "ref", "date", "kind", "reporter", "recipient", "domain", "action", "status",
    "replycode", "reason", "hard", "sending_ip", "sending_prefix", "blocklist", "provider", "remote_mta",
    "diagnostic", "rule", "original_message_id", "original_subject", "original_from",
    "envelope_sender", "envelope_source", "original_from_domain",  # schema 2 (ndr.store.envelope)
)
# The recipient columns (everything but message_id and position), in FAILURE_KEYS order.
RECIPIENT_COLUMNS: tuple[str, ...] = FAILURE_KEYS[1:]
# Kinds whose recipients are failures or delays.
FAILURE_KINDS = (Kind.BOUNCE.value, Kind.DELAY.value)
# Actions that are not failures even inside a bounce.
NON_FAILURE_ACTIONS = ("delivered", "relayed", "expanded")
# What recipient_rows derives, versioned: messages.rows_version. `ndr reanalyze` rewrites the rows of
# messages stored with an older version even when their analysis did not change.
# 1: schema 1's columns; 2: envelope_sender, envelope_source, original_from_domain.
ROWS_VERSION = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageMeta:
    """The message-level columns derived from an analysis and where the message came from."""

    date: str  # ISO 8601 UTC: Date header, else received_at, else stored_at
    kind: str  # Kind value
    message_id: str | None
    subject: str | None
    reporter: str | None


def utc_iso(value: str | None) -> str | None:
    """An ISO 8601 timestamp converted to UTC ('2024-05-01T10:00:00+00:00'); None when unparseable.

    A timestamp without a zone is taken as UTC.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except (OverflowError, ValueError):
        return None


def now_iso() -> str:
    """The current time, ISO 8601 UTC (I/O at the edge: only the store and scan call this)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def meta_of(analysis: Analysis, *, received_at: str | None, stored_at: str) -> MessageMeta:
    """Message-level columns."""
    date = utc_iso(analysis.date) or utc_iso(received_at) or stored_at
    return MessageMeta(date=date, kind=analysis.kind.value, message_id=analysis.message_id,
                       subject=analysis.subject, reporter=analysis.reporter)


def recipient_rows(analysis: Analysis, meta: MessageMeta, *, source: str, ref: str,
                   envelope: Envelope) -> list[tuple[object, ...]]:
    """One tuple per recipient, values in (position, *RECIPIENT_COLUMNS) order."""
    original = analysis.original
    rows: list[tuple[object, ...]] = []
    for position, r in enumerate(analysis.recipients):
        rows.append((
            position, source, ref, meta.date, meta.kind, meta.reporter, r.recipient, _domain(r),
            r.action, r.status, r.replycode, r.reason.value, None if r.hard is None else int(r.hard),
            r.sending_ip, r.sending_prefix, r.blocklist, r.provider, r.remote_mta, r.diagnostic, r.rule,
            original.message_id if original else None,
            original.subject if original else None,
            original.from_ if original else None,
            envelope.sender, envelope.source, envelope.from_domain,
        ))
    return rows


def _domain(recipient: Recipient) -> str | None:
    address = recipient.recipient
    if not address or "@" not in address:
        return None
    return address.rpartition("@")[2].strip().lower() or None
