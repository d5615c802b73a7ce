"""analyzer.dsn: RFC 3464 field blocks, one line per case where possible."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.dsn import RECIPIENT_FIELDS, DsnRecipient, DsnReport, field_blocks, mta_name, parse_dsn, split_type


@pytest.mark.parametrize(("value", "expected"), [
    ("rfc822; a@example.com", ("rfc822", "a@example.com")),
    ("RFC822;a@example.com", ("rfc822", "a@example.com")),
    ("smtp; 550 5.1.1 User unknown", ("smtp", "550 5.1.1 User unknown")),
    ("X-Postfix; delivery temporarily suspended", ("x-postfix", "delivery temporarily suspended")),
    ("a@example.com", (None, "a@example.com")),
    ("550 5.1.1 <a@example.com>; address unknown", (None, "550 5.1.1 <a@example.com>; address unknown")),
    (None, (None, None)),
    ("rfc822;", ("rfc822", None)),
])
def test_split_type(value: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_type(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("dns; mx.example.net", "mx.example.net"),
    ("dns;mx.example.net (TCP|192.0.2.1|47323|192.0.2.2|25) (mx.example.net ESMTP)", "mx.example.net"),
    ("DNS; [192.0.2.31]", "[192.0.2.31]"),
    ("smtp; relay.example.org ([127.0.0.1])", "relay.example.org"),
    ("dns; mx.example.com.", "mx.example.com"),
    ("dns;", None),
    (None, None),
])
def test_mta_name(value: str | None, expected: str | None) -> None:
    assert mta_name(value) == expected


def test_field_blocks_unfold_continuations_and_split_on_blank_lines() -> None:
    text = "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; a@example.net\n" \
           "Diagnostic-Code: smtp; 550-5.7.1 first line\n    550 5.7.1 second line\n"
    assert field_blocks(text) == [
        [("reporting-mta", "dns; mx.example.org")],
        [("final-recipient", "rfc822; a@example.net"),
         ("diagnostic-code", "smtp; 550-5.7.1 first line 550 5.7.1 second line")],
    ]


DSN = """Reporting-MTA: dns; relay.example.org (8.18.1/8.18.1)
Received-From-MTA: DNS; client.example.org
Arrival-Date: Tue, 4 Nov 2025 11:01:58 +0100

Original-Recipient: rfc822;alias@example.org
Final-Recipient: RFC822; p.novak@example.com
Action: failed (bad mailbox)
Status: 5.1.1 (bad destination mailbox address)
Remote-MTA: DNS; mx.example.com
Diagnostic-Code: SMTP; 550 5.1.1 <p.novak@example.com>... User
    unknown
Last-Attempt-Date: Tue, 4 Nov 2025 11:02:11 +0100

Final-Recipient: rfc822; hr@example.com
Action: delayed
Status: 4.4.7
Will-Retry-Until: Sun, 9 Nov 2025 11:01:58 +0100
"""


def test_parse_dsn_reads_message_and_recipient_fields() -> None:
    report = parse_dsn(DSN)
    assert report is not None
    assert (report.reporting_mta, report.received_from_mta, report.arrival_date) == (
        "relay.example.org", "client.example.org", "Tue, 4 Nov 2025 11:01:58 +0100")
    first, second = report.recipients
    assert first.final_recipient == "p.novak@example.com"
    assert first.original_recipient == "alias@example.org"
    assert first.action == "failed"
    assert first.status == "5.1.1 (bad destination mailbox address)"
    assert first.remote_mta == "mx.example.com"
    assert (first.diagnostic_type, first.diagnostic) == ("smtp", "550 5.1.1 <p.novak@example.com>... User unknown")
    assert first.last_attempt == "Tue, 4 Nov 2025 11:02:11 +0100"
    assert (second.action, second.status) == ("delayed", "4.4.7")
    assert second.will_retry_until == "Sun, 9 Nov 2025 11:01:58 +0100"


def test_parse_dsn_without_fields_is_none() -> None:
    assert parse_dsn("\n\n  \n") is None


def test_parse_dsn_x_actual_recipient_stands_in_for_final_recipient() -> None:
    report = parse_dsn("Reporting-MTA: dns; mx.example.org\n\nX-Actual-Recipient: rfc822; a@example.net\n"
                       "Action: failed\nStatus: 5.0.0\n")
    assert report is not None and report.recipients[0].final_recipient == "a@example.net"


# parse_dsn's helpers as first written (each value stripped again, names split twice): the reference of the
# leaner ones.
def _split_type_ref(value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    head, sep, rest = value.partition(";")
    if sep and head.strip() and " " not in head.strip() and len(head.strip()) <= 20:
        return head.strip().lower(), rest.strip() or None
    return None, value.strip() or None


def _mta_name_ref(value: str | None) -> str | None:
    name = _split_type_ref(value)[1]
    if not name:
        return None
    host = name.split("(", 1)[0].split()[0] if name.split("(", 1)[0].split() else ""
    return host.rstrip(".;,") or None


def _value_ref(fields: dict[str, str], name: str) -> str | None:
    v = fields.get(name)
    return v.strip() if v and v.strip() else None


def _recipient_ref(block: list[tuple[str, str]]) -> DsnRecipient:
    f: dict[str, str] = {}
    for name, value in block:
        f.setdefault(name, value)
    dtype, diag = _split_type_ref(_value_ref(f, "diagnostic-code"))
    final = (_split_type_ref(_value_ref(f, "final-recipient"))[1]
             or _split_type_ref(_value_ref(f, "x-actual-recipient"))[1])
    return DsnRecipient(
        final_recipient=final, original_recipient=_split_type_ref(_value_ref(f, "original-recipient"))[1],
        action=(_value_ref(f, "action") or "").lower().split()[0] if _value_ref(f, "action") else None,
        status=_value_ref(f, "status"), remote_mta=_mta_name_ref(_value_ref(f, "remote-mta")), diagnostic_type=dtype,
        diagnostic=diag, last_attempt=_value_ref(f, "last-attempt-date"),
        will_retry_until=_value_ref(f, "will-retry-until"), fields=tuple(block))


def _parse_dsn_ref(text: str) -> DsnReport | None:
    message_fields: list[tuple[str, str]] = []
    recipients: list[DsnRecipient] = []
    for block in field_blocks(text):
        names = {n for n, _ in block}
        if names & RECIPIENT_FIELDS and ("final-recipient" in names or "original-recipient" in names
                                         or "action" in names or "status" in names):
            recipients.append(_recipient_ref(block))
        else:
            message_fields.extend(block)
    if not recipients and not message_fields:
        return None
    mf = dict(message_fields)
    return DsnReport(reporting_mta=_mta_name_ref(_value_ref(mf, "reporting-mta")),
                     received_from_mta=_mta_name_ref(_value_ref(mf, "received-from-mta")),
                     arrival_date=_value_ref(mf, "arrival-date"), message_fields=tuple(message_fields),
                     recipients=tuple(recipients))


_PIECES = st.sampled_from([
    "Final-Recipient:", "Original-Recipient:", "X-Actual-Recipient:", "Action:", "Status:", "Remote-MTA:",
    "Diagnostic-Code:", "Reporting-MTA:", "Received-From-MTA:", "Arrival-Date:", "Last-Attempt-Date:", " ", "  ",
    "\t", "\n", "\n\n", ";", "; ", "rfc822", "RFC822;", "dns;", "smtp; 550 5.1.1 user unknown", "a@example.com",
    "mx.example.net", "(TCP|192.0.2.1|25)", "(", ".", ",", "failed", "Delayed (retry)", "5.1.1", "x" * 25, "\u00a0",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_parse_dsn_gives_the_first_written_answers(text: str) -> None:
    assert parse_dsn(text) == _parse_dsn_ref(text)
    for value in (text, None):
        assert split_type(value) == _split_type_ref(value) and mta_name(value) == _mta_name_ref(value)


def test_parse_dsn_gives_the_first_written_answers_on_every_corpus_report() -> None:
    from analyzer.mime import parse
    from tests.corpus_eval import CORPUS

    reports = [t for path in sorted((CORPUS / "maildir").rglob("*")) if path.is_file()
               for t in parse(path.read_bytes()).report]
    assert len(reports) > 200
    assert [parse_dsn(t) for t in reports] == [_parse_dsn_ref(t) for t in reports]


def _field_blocks_ref(text: str) -> list[list[tuple[str, str]]]:
    """field_blocks as first written (a flush() closure, unfold() per field)."""
    import re

    from analyzer.textutil import unfold

    pattern = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,60})[ \t]*:[ \t]*(.*)")
    blocks: list[list[tuple[str, str]]] = []
    block: list[tuple[str, list[str]]] = []

    def flush() -> None:
        if block:
            blocks.append([(n, unfold(" ".join(v))) for n, v in block])
            block.clear()

    for line in text.splitlines():
        if not line.strip():
            flush()
            continue
        if line[0] in " \t" and block:
            block[-1][1].append(line.strip())
            continue
        m = pattern.match(line)
        if m:
            block.append((m.group(1).lower(), [m.group(2)]))
        elif block:
            block[-1][1].append(line.strip())
    flush()
    return blocks


_BLOCK_PIECES = st.sampled_from(["Action: failed", "Status:5.1.1", "X-Y :  a\tb ", "\n", "\r\n", "\r", "\n\n",
                                 " cont", "\tcont", "loose text", ":", "\x0b", "\x1c", "\x85", "\u2028", " ", "\u00a0",
                                 "\u00e9", "Final-Recipient: rfc822; a@example.net"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_BLOCK_PIECES, max_size=30).map("".join))
def test_field_blocks_is_the_first_written(text: str) -> None:
    assert field_blocks(text) == _field_blocks_ref(text)


def test_field_blocks_is_the_first_written_on_every_corpus_report() -> None:
    from analyzer.mime import parse
    from tests.corpus_eval import CORPUS

    reports = [t for path in sorted((CORPUS / "maildir").rglob("*")) if path.is_file()
               for t in parse(path.read_bytes()).report + parse(path.read_bytes()).feedback]
    assert len(reports) > 200
    assert [field_blocks(t) for t in reports] == [_field_blocks_ref(t) for t in reports]
