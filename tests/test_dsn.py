"""analyzer.dsn: RFC 3464 field blocks, one line per case where possible."""

from __future__ import annotations

import pytest

from analyzer.dsn import field_blocks, mta_name, parse_dsn, split_type


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
