"""analyzer.smtp helpers: one line per case (input -> expected)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.regex import alternatives, literals_of
from analyzer.smtp import (
    _COMMAND_LITERALS,
    _COMMAND_PATTERNS,
    clean_diagnostic,
    command_name,
    find_command,
    find_replycode,
    find_status,
    join_reply_lines,
    normalize_status,
    prefer_status,
    pseudo_status,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("5.1.1", "5.1.1"),
    ("5.1.1 (bad destination mailbox)", "5.1.1"),
    (" 4.04.07", "4.4.7"),
    ("5.7.606", "5.7.606"),
    ("5.1.351", "5.1.351"),
    ("2.0.0", "2.0.0"),
    ("6.1.1", None),
    ("5.1", None),
    ("5.1.1.1", None),
    ("", None),
    (None, None),
])
def test_normalize_status(value: str | None, expected: str | None) -> None:
    assert normalize_status(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("550 5.1.1 <a@example.com>... User unknown", "5.1.1"),
    ("Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1"),
    ("550 5.7.606 Access denied, banned sending IP [192.0.2.1]", "5.7.606"),
    ("554 5.4.14 Hop count exceeded - possible mail loop", "5.4.14"),
    ("host [192.0.2.1] said: 550 user unknown", None),  # an IPv4 address is not a status
    ("version 5.1.1.2 of the filter", None),
    ("", None),
])
def test_find_status(text: str, expected: str | None) -> None:
    assert find_status(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("550 5.1.1 User unknown", "550"),
    ("host mx.example.com [192.0.2.20]: 550 5.7.0 Please use the smtp server of your ISP.", "550"),
    ("SMTP Server <mx.example.com> ... responded as follows: [550 5.1.1 User unknown]", "550"),
    ("smtp;452 4.2.2 Over quota", "452"),
    ("421-4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred", "421"),
    ("Connected to 192.0.2.112 but my name was rejected.", None),
    ("port 2525 refused", None),
    ("250 2.0.0 Ok: queued as 4Q2x1k0bT9z9t", "250"),
])
def test_find_replycode(text: str, expected: str | None) -> None:
    assert find_replycode(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("550 5.1.1 <a@example.net>: User unknown (in reply to RCPT TO command)", "RCPT"),
    ("550 Unknown user a@example.net (in reply to end of DATA command)", "DATA"),
    ("452 4.3.2 Connection rate limit exceeded. (in reply to MAIL FROM command)", "MAIL"),
    ("SMTP error from remote mail server after RCPT TO:<a@example.net>:", "RCPT"),
    ("SMTP error from remote mail server after end of data:", "DATA"),
    ("SMTP error from remote mail server after initial connection:", "CONN"),
    ("SMTP error from remote mail server after pipelined MAIL FROM:<s@example.org>:", "MAIL"),
    ("... while talking to mx.example.com.:\n>>> DATA\n<<< 550 5.1.1 User unknown", "DATA"),
    ("mx.example.com [192.0.2.1] did not like our RCPT TO:", "RCPT"),
    ("mx.example.com [192.0.2.1] did not like our final DATA:", "DATA"),
    ("192.0.2.153 does not like recipient. Remote host said: 550 5.1.1", "RCPT"),
    ("Connected to 192.0.2.225 but sender was rejected.", "MAIL"),
    ("Connected to 192.0.2.112 but my name was rejected.", "HELO"),
    ("74.125.204.27 failed after I sent the message.", "DATA"),
    ("no SMTP connection got far enough; most progress was RCPT TO response;", "RCPT"),
    ("rejected recipient <a@example.org> (Error following RCPT command).", "RCPT"),
    ("SMTP error from remote server for TEXT command, host: smtp-in.example.fr", "DATA"),
    ("550 5.1.1 User unknown", None),
])
def test_find_command(text: str, expected: str | None) -> None:
    assert find_command(text) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("RCPT TO", "RCPT"), ("rcpt", "RCPT"), ("MAIL  FROM", "MAIL"), ("end of data", "DATA"),
    ("initial connection", "CONN"), ("EHLO", "EHLO"), ("lhlo", "EHLO"), ("STARTTLS", "STARTTLS"), ("XYZZY", None),
])
def test_command_name(word: str, expected: str | None) -> None:
    assert command_name(word) == expected


@pytest.mark.parametrize(("reported", "in_text", "code", "expected"), [
    ("5.0.0", "5.1.1", "550", "5.1.1"),  # the DSN says only the class: the text is specific
    (None, "5.2.2", "552", "5.2.2"),
    ("5.1.1", "5.7.1", "550", "5.7.1"),  # the server's own words win over the reporter's summary
    ("5.1.1", None, "550", "5.1.1"),
    ("5.1.1", "5.0.0", "550", "5.1.1"),  # an unspecific code in the text does not replace a specific one
    ("5.5.0", "4.7.0", "554", "5.5.0"),  # the text's code disagrees with the reply code's class
    ("4.4.7", "5.1.1", None, "4.4.7"),  # different classes: keep the report's
    (None, None, None, None),
])
def test_prefer_status(reported: str | None, in_text: str | None, code: str | None, expected: str | None) -> None:
    assert prefer_status(reported, in_text, code) == expected


@pytest.mark.parametrize(("code", "action", "expected"), [
    ("550", None, "5.0.0"), ("421", "failed", "4.0.0"), (None, "delayed", "4.0.0"), (None, None, "5.0.0"),
    (None, "failed", "5.0.0"),
])
def test_pseudo_status(code: str | None, action: str | None, expected: str) -> None:
    assert pseudo_status(code, action) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("550-5.7.26 Unauthenticated email from example.org is not accepted due to domain's\n"
     "550-5.7.26 DMARC policy. Please contact the administrator of example.org domain if\n"
     "550 5.7.26 https://support.google.com/mail/?p=DmarcRejection x - gsmtp",
     "550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy. "
     "Please contact the administrator of example.org domain if https://support.google.com/mail/?p=DmarcRejection"
     " x - gsmtp"),
    ("550-Your message was rejected.\n550-Reason: no reverse DNS.\n550 7d39d529",
     "550 Your message was rejected. Reason: no reverse DNS. 7d39d529"),
    ("550 5.1.1 <a@example.com>:\n    Recipient address rejected",
     "550 5.1.1 <a@example.com>: Recipient address rejected"),
    ("", None),
])
def test_clean_diagnostic(text: str, expected: str | None) -> None:
    assert clean_diagnostic(text) == expected


def test_join_reply_lines_keeps_first_code_and_joins_continuations() -> None:
    text = "550-5.7.1 [2001:db8::25 12] The IP address sending this message does not\n" \
           "550-5.7.1 meet IPv6 sending guidelines regarding PTR records and\n" \
           "550 5.7.1 authentication. x - gsmtp"
    assert join_reply_lines(text) == ("550 5.7.1 [2001:db8::25 12] The IP address sending this message does not meet "
                                      "IPv6 sending guidelines regarding PTR records and authentication. x - gsmtp")


def test_clean_diagnostic_bounds_a_huge_single_line() -> None:
    out = clean_diagnostic("550 " + "x" * 5_000_000)
    assert out is not None and len(out) <= 4097


def _find_command_by_patterns(text: str) -> str | None:
    """find_command without its literal pre-checks: every pattern searched."""
    for pattern in _COMMAND_PATTERNS:
        m = pattern.search(text[:8192])
        if m:
            return command_name(next(g for g in m.groups() if g))
    return None


def test_command_literals_follow_the_patterns() -> None:
    """Every command pattern is pre-checked, by the literals analyzer.regex derives from it (one per written-out
    alternative: qmail's alternatives are all in one group)."""
    for pattern, literals in zip(_COMMAND_PATTERNS, _COMMAND_LITERALS, strict=True):
        assert literals is not None and literals == literals_of([pattern]), pattern.pattern
    qmail = _COMMAND_PATTERNS[4].pattern
    assert qmail.startswith("(") and qmail.endswith(")")
    for alternative in alternatives(qmail[1:-1]):
        head = alternative.split("(", 1)[0].lower()  # the text before a group of commands
        assert any(x.startswith(head) for x in _COMMAND_LITERALS[4] or ()), alternative


_PIECES = st.sampled_from([
    "550 5.1.1 user unknown", " (in reply to RCPT TO command)", " IN REPLY TO end of DATA command",
    " after RCPT TO:<a@b>", "\n>>> DATA", " >>> RCPT To:<x>", " did not like our final DATA:",
    " does not like recipient.",
    " Most progress was RCPT TO", " (Error following RCPT command)", " (DATA), with", " SMTP:RCPT host",
    " for TEXT command",
    " after initial connection", " \u017fender was rejected", " mY NAME WAS REJECTED", " r\u0131cpt", " x", "\n", " ",
])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_PIECES, max_size=8))
def test_find_command_is_the_patterns_answer(parts: list[str]) -> None:
    text = "".join(parts)
    assert find_command(text) == _find_command_by_patterns(text), text


_STATUS_PIECES = st.sampled_from([
    "5", "4", "2", "3", ".", "1", "0", "12", "345", "5.1.1", "4.4.7", "2.0.0", "#5.1.1", "v5.1.1", "1.5.1.1",
    "5.1.1.2", " ", "550", "-", "x", "\n", "\u0665",
])


@settings(max_examples=1000, deadline=None)
@given(parts=st.lists(_STATUS_PIECES, max_size=12), pad=st.integers(min_value=0, max_value=1))
def test_find_status_searches_from_the_first_candidate_as_from_the_start(parts: list[str], pad: int) -> None:
    from analyzer.smtp import _STATUS

    text = "x" * (4094 * pad) + "".join(parts)  # also across the 4096-character bound
    m = _STATUS.search(text[:4096])
    assert find_status(text) == (f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}" if m else None), text
