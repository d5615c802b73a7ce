"""RFC 3464 delivery-status fields: per-message and per-recipient blocks, leniently parsed."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.records import fast_init
from analyzer.regex import lazy

_FIELD = lazy(r"([A-Za-z][A-Za-z0-9-]{0,60})[ \t]*:[ \t]*(.*)")

# Per-recipient fields (RFC 3464 section 2.3); a block holding any of these is a recipient block.
RECIPIENT_FIELDS = frozenset(
    {
        "final-recipient",
        "original-recipient",
        "action",
        "status",
        "remote-mta",
        "diagnostic-code",
        "last-attempt-date",
        "will-retry-until",
        "x-actual-recipient",
        "x-display-name",
    }
)


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class DsnRecipient:
    """One per-recipient block, values unfolded; types (rfc822; dns; smtp;) split off."""

    final_recipient: str | None = None
    original_recipient: str | None = None
    action: str | None = None
    status: str | None = None
    remote_mta: str | None = None
    diagnostic_type: str | None = None
    diagnostic: str | None = None
    last_attempt: str | None = None
    will_retry_until: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # every field of the block, lowercased names, in order


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class DsnReport:
    """A parsed message/delivery-status part."""

    reporting_mta: str | None = None
    received_from_mta: str | None = None
    arrival_date: str | None = None
    message_fields: tuple[tuple[str, str], ...] = ()
    recipients: tuple[DsnRecipient, ...] = ()


def field_blocks(text: str) -> list[list[tuple[str, str]]]:
    """Split text into blocks of (lowercased name, unfolded value) fields, blank-line separated.

    Continuation lines (starting with whitespace) are unfolded into the previous field. Lines that
    are not fields are kept as continuation of the previous field only when indented.
    """
    blocks: list[list[tuple[str, str]]] = []
    block: list[tuple[str, list[str]]] = []
    match = _FIELD.match
    for line in [*text.splitlines(), ""]:  # a blank line after the last: its block is flushed
        stripped = line.strip()
        if not stripped:
            if block:  # the values unfolded (unfold's " ".join(value.split()), written out: one call less per field)
                blocks.append([(n, " ".join(" ".join(v).split())) for n, v in block])
                block = []
            continue
        if block and line[0] in " \t":
            block[-1][1].append(stripped)
            continue
        m = match(line)
        if m:
            name, value = m.groups()
            block.append((name.lower(), [value]))
        elif block:  # a wrapped line that lost its indentation
            block[-1][1].append(stripped)
    return blocks


def split_type(value: str | None) -> tuple[str | None, str | None]:
    """'rfc822; a@b' -> ('rfc822', 'a@b'); 'a@b' -> (None, 'a@b')."""
    if value is None:
        return None, None
    head, sep, rest = value.partition(";")
    if sep:
        kind = head.strip()
        if kind and " " not in kind and len(kind) <= 20:
            return kind.lower(), rest.strip() or None
    return None, value.strip() or None


def mta_name(value: str | None) -> str | None:
    """'dns; mx.example.net (TCP|192.0.2.1|25) (comment)' -> 'mx.example.net'; the host without comments."""
    name = split_type(value)[1]
    if not name:
        return None
    words = name.split("(", 1)[0].split()
    return words[0].rstrip(".;,") or None if words else None


def _value(fields: dict[str, str], name: str) -> str | None:
    v = fields.get(name)
    return (v.strip() or None) if v else None


def parse_dsn(text: str) -> DsnReport | None:
    """Parse the text of a message/delivery-status part; None when it holds no recipient block."""
    blocks = field_blocks(text)
    message_fields: list[tuple[str, str]] = []
    recipients: list[DsnRecipient] = []
    for block in blocks:
        names = {n for n, _ in block}
        if names & RECIPIENT_FIELDS and ("final-recipient" in names or "original-recipient" in names
                                         or "action" in names or "status" in names):
            recipients.append(_recipient(block))
        else:
            message_fields.extend(block)
    if not recipients and not message_fields:
        return None
    mf = dict(message_fields)
    return DsnReport(
        reporting_mta=mta_name(_value(mf, "reporting-mta")),
        received_from_mta=mta_name(_value(mf, "received-from-mta")),
        arrival_date=_value(mf, "arrival-date"),
        message_fields=tuple(message_fields),
        recipients=tuple(recipients),
    )


def _recipient(block: list[tuple[str, str]]) -> DsnRecipient:
    f = dict(reversed(block))  # the first occurrence of a name wins
    dtype, diag = split_type(_value(f, "diagnostic-code"))
    final = split_type(_value(f, "final-recipient"))[1] or split_type(_value(f, "x-actual-recipient"))[1]
    return DsnRecipient(
        final_recipient=final,
        original_recipient=split_type(_value(f, "original-recipient"))[1],
        action=action.lower().split()[0] if (action := _value(f, "action")) else None,
        status=_value(f, "status"),
        remote_mta=mta_name(_value(f, "remote-mta")),
        diagnostic_type=dtype,
        diagnostic=diag,
        last_attempt=_value(f, "last-attempt-date"),
        will_retry_until=_value(f, "will-retry-until"),
        fields=tuple(block),
    )
