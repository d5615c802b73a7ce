"""The terminal summary (ndr report, ndr demo, after ndr scan): what to act on first, one line per
sending prefix with its failures and delays, unknown senders next, address noise in one line."""

from __future__ import annotations

from datetime import date

from reports.model import Period
from reports.summary import summary_lines
from tests.test_aggregate import M365_A, M365_OTHER64, RELAY, build, row

M365_64 = "2a01:111:f403:2612::/64"
RELAY_24 = "203.0.113.0/24"


def _rows() -> list[dict[str, object]]:
    rows = [row(16 + i % 10, M365_A, "requireptr", f"p{i}@gmail.com") for i in range(6)]
    rows += [row(20, M365_A, "badreputation", f"r{i}@gmail.com") for i in range(3)]
    rows += [row(21, M365_A, "speeding", f"d{i}@gmail.com", action="delayed", status="4.7.28") for i in range(2)]
    rows += [row(22, RELAY, "blocked", f"b{i}@example.net", blocklist="zen.spamhaus.org") for i in range(4)]
    rows += [row(23, None, "authfailure", f"a{i}@gmail.com", status="5.7.26", sender="News <n@news.example.org>")
             for i in range(5)]
    rows += [row(24, M365_OTHER64, "spamdetected", f"s{i}@gmail.com") for i in range(2)]
    rows += [row(25, RELAY, "userunknown", f"u{i}@example.org", status="5.1.1") for i in range(7)]
    rows += [row(26, None, "mailboxfull", f"f{i}@example.org", status="5.2.2") for i in range(3)]
    return rows


def test_prefixes_to_act_on_first_then_unknown_senders_then_the_address_noise() -> None:
    lines = summary_lines(build(_rows()), lines=6)
    assert lines[0] == ("2025-03-16 .. 2025-03-29: 30 failed recipients (none in the previous period), 2 delayed, "
                        "7 clusters from 3 sending prefixes")
    m365 = "(Microsoft 365 outbound (2a01:111:f403::/48))"
    assert lines[1] == (f"C002 {M365_64} {m365}: 6 requireptr, 3 badreputation failed, 1.3/day in the first week, "
                        "0.0/day in the last; 2 delayed (speeding, 4.7.28)")  # the prefix's delays on its line
    assert lines[2] == (f"C004 {RELAY_24}: 4 blocked on zen.spamhaus.org failed, 0.6/day in the first week, "
                        "0.0/day in the last")  # its 7 userunknown are noise, not here
    assert lines[3] == (f"C007 2a01:111:f403:c20f::/64 {m365}: 2 spamdetected failed, 0.0/day in the first week, "
                        "0.3/day in the last")
    assert lines[4] == ("C003 an unknown sending address: 5 authfailure (news.example.org) failed, "
                        "0.0/day in the first week, 0.7/day in the last")  # bigger, but no prefix to act on
    assert lines[5] == "plus 10 address errors (unknown users, full mailboxes): clean the list"


def test_what_does_not_fit_is_counted_in_the_last_line() -> None:
    lines = summary_lines(build(_rows()), lines=3)
    assert len(lines) == 3
    assert M365_64 in lines[1]
    assert lines[2] == ("plus 10 address errors (unknown users, full mailboxes): clean the list; "
                        "3 more clusters (11 failed) in the report")


def test_no_noise_line_when_there_is_none_and_everything_fits() -> None:
    rows = [row(20, M365_A, "requireptr", f"p{i}@gmail.com") for i in range(2)]
    lines = summary_lines(build(rows))
    assert len(lines) == 2 and lines[1].startswith(f"C001 {M365_64} (Microsoft 365 outbound")


def test_only_address_noise() -> None:
    rows = [row(20, RELAY, "userunknown", f"u{i}@example.org", status="5.1.1") for i in range(3)]
    rows.append(row(21, RELAY, "hostunknown", "x@exmaple.invalid", status="5.4.4"))
    lines = summary_lines(build(rows))
    assert lines[1:] == ["plus 4 address errors (unknown users, mistyped or dead domains): clean the list"]


def test_a_short_period_shows_the_change() -> None:
    rows = [row(27, M365_A, "requireptr", f"p{i}@gmail.com") for i in range(3)]
    rows += [row(20, M365_A, "requireptr", "old@gmail.com")]
    lines = summary_lines(build(rows, period=Period.days(date(2025, 3, 23), date(2025, 3, 29))))
    assert lines[1].endswith(f"{M365_64} (Microsoft 365 outbound (2a01:111:f403::/48)): 3 requireptr failed, "
                             "up, +2 vs before")
