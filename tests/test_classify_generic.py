"""Generic classification (analyzer.classify.generic via classify()): one line per case.

Each case: the diagnostic text, the status and reply code, the SMTP command -> the reason and rule.
The interplay is the point: "User unknown" answered to RCPT is a missing mailbox, to DATA a filter.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.classify import classify, is_hard
from analyzer.classify.generic import Case
from analyzer.classify.phrases import PHRASES, TABLE, TextPhrases, match
from analyzer.reasons import Reason as R
from analyzer.regex import required_literal

CASES = [
    # text, status, code, command, expected reason, expected rule prefix
    ("550 5.1.1 <a@example.net>: Recipient address rejected: User unknown", "5.1.1", "550", "RCPT", R.USERUNKNOWN,
     "generic.userunknown"),
    ("550 Unknown user a@example.net", "5.0.0", "550", "DATA", R.FILTERED, "generic.filtered"),
    ("550 Unknown user a@example.net", "5.0.0", "550", "RCPT", R.USERUNKNOWN, "generic.userunknown"),
    ("550 5.2.1 <a@example.net>... User Unknown", "5.2.1", "550", None, R.FILTERED, "generic.filtered"),
    ("550 5.2.1 <a@example.net>... User Unknown", "5.2.1", "550", "RCPT", R.USERUNKNOWN, "generic.userunknown"),
    ("552 5.2.2 Mailbox full", "5.2.2", "552", "RCPT", R.MAILBOXFULL, "status.5.2.2"),
    ("550 5.1.1 mailbox is full", "5.1.1", "550", "RCPT", R.MAILBOXFULL, "generic.mailboxfull"),
    ("554 5.7.1 Service unavailable; Client host [198.51.100.23] blocked using zen.spamhaus.org", "5.7.1", "554",
     "RCPT", R.BLOCKED, "generic.blocked"),
    ("553 5.1.8 <s@example.org>... Domain of sender address s@example.org does not exist", "5.1.8", "553", "MAIL",
     R.REJECTED, "generic.rejected"),
    ("550 5.7.1 Access denied", "5.7.1", "550", "MAIL", R.REJECTED, "command.mail"),
    ("554 5.7.1 [C14] Missing rDNS", "5.7.1", "554", "CONN", R.BLOCKED, "command.conn"),
    ("554 5.7.1 Reverse DNS failed.", "5.7.1", "554", "MAIL", R.REQUIREPTR, "generic.requireptr"),
    ("550 5.7.1 Relay access denied", "5.7.1", "550", "RCPT", R.NORELAYING, "generic.norelaying"),
    ("554 5.6.0 This message has been scored as spam", "5.6.0", "554", "DATA", R.SPAMDETECTED,
     "generic.spamdetected"),
    ("550 5.7.26 Multiple authentication checks failed", "5.7.26", "550", "RCPT", R.AUTHFAILURE,
     "status.5.7.26"),
    ("552 5.2.3 Message length exceeds administrative limit", "5.2.3", "552", "RCPT", R.EXCEEDLIMIT,
     "status.5.2.3"),
    ("552 5.3.4 Message too big for system", "5.3.4", "552", "DATA", R.MESGTOOBIG, "status.5.3.4"),
    ("550 5.1.6 recipient no longer on server", "5.1.6", "550", "RCPT", R.HASMOVED, "status.5.1.6"),
    ("Host or domain name not found. Name service error for name=x.example type=MX", "5.4.4", None, None,
     R.HOSTUNKNOWN, "generic.hostunknown"),
    ("Name service error for name=example.org type=MX: Malformed or unexpected name server reply", "5.4.4", None,
     None, R.NETWORKERROR, "generic.networkerror"),
    ("connect to mx.example.com[192.0.2.1]:25: Connection timed out", "4.4.1", None, None, R.EXPIRED,
     "generic.expired"),
    ("452 4.3.2 Connection rate limit exceeded.", "4.3.2", "452", "MAIL", R.TOOMANYCONN, "generic.toomanyconn"),
    ("554 Transaction failed", "5.0.0", "554", "MAIL", R.SYSTEMERROR, "generic.systemerror"),
    ("504 Command parameter not implemented", "5.0.0", "504", "DATA", R.SYNTAXERROR, "replycode.50x"),
    ("550 5.7.13 User account disabled", "5.7.13", "525", "RCPT", R.SUSPEND, "status.5.7.13"),
    ("550 Mailbox is frozen.", "5.0.0", "550", "RCPT", R.SUSPEND, "generic.suspend"),
    ("550 5.7.0 Local Policy Violation", "5.7.0", "550", "DATA", R.POLICYVIOLATION, "generic.policyviolation"),
    ("550 5.7.0 Virus detected", "5.7.0", "550", "DATA", R.VIRUSDETECTED, "generic.virusdetected"),
    ("550 5.7.1 Unauthenticated senders not allowed", "5.7.1", "550", "MAIL", R.SECURITYERROR,
     "generic.securityerror"),
    ("550 5.7.9 something else entirely", "5.7.9", "550", "DATA", R.SECURITYERROR, "status.5.7.9"),
    ("550 5.7.606 Access denied, banned sending IP [192.0.2.1]", "5.7.606", "550", "RCPT", R.BLOCKED,
     "status.5.7.606"),
    ("550 5.7.641 something", "5.7.641", "550", "RCPT", R.BLOCKED, "status.5.7.641"),
    ("550 5.0.0 nothing to go on", "5.0.0", "550", None, R.ONHOLD, "fallback.onhold"),
]


@pytest.mark.parametrize(("text", "status", "code", "command", "reason", "rule"), CASES,
                         ids=[f"{c[4].value}:{c[0][:40]}" for c in CASES])
def test_generic(text: str, status: str | None, code: str | None, command: str | None, reason: R, rule: str) -> None:
    v = classify(status=status, replycode=code, diagnostic=text, remote_mta=None, action="failed", command=command)
    assert (v.reason, v.rule) == (reason, rule)
    assert v.evidence


def test_x_unix_is_a_mailer_error_unless_the_mailbox_is_full() -> None:
    def reason(text: str) -> R:
        return classify(status="5.3.0", replycode=None, diagnostic=text, remote_mta=None, action="failed",
                        diagnostic_type="X-Unix").reason

    assert reason("procmail: Lock failure") is R.MAILERERROR
    assert reason("maildir over quota") is R.MAILBOXFULL


def test_detector_verdict_wins_and_delivered_is_not_a_failure() -> None:
    v = classify(status="5.1.1", replycode="550", diagnostic="User unknown", remote_mta=None, action="failed",
                 verdict=R.SUSPEND, verdict_rule="x.rule", verdict_evidence="because")
    assert (v.reason, v.rule, v.evidence) == (R.SUSPEND, "x.rule", "because")
    d = classify(status="2.0.0", replycode="250", diagnostic="250 OK", remote_mta=None, action="delivered")
    assert d.reason is R.DELIVERED


def test_nothing_to_go_on_is_undefined() -> None:
    v = classify(status=None, replycode=None, diagnostic=None, remote_mta=None, action=None)
    assert (v.reason, v.rule) == (R.UNDEFINED, "fallback.undefined")


@pytest.mark.parametrize(("reason", "status", "hard"), [
    (R.USERUNKNOWN, "5.1.1", True), (R.HOSTUNKNOWN, "5.0.0", True), (R.HASMOVED, "5.1.6", True),
    (R.NOTACCEPT, "5.1.10", True), (R.NOTACCEPT, "4.0.0", False), (R.MAILBOXFULL, "5.2.2", False),
    (R.BLOCKED, "5.7.1", False), (R.FILTERED, "5.0.0", False), (R.FEEDBACK, None, None), (R.VACATION, None, None),
])
def test_is_hard_follows_sisimai_hardbounce(reason: R, status: str | None, hard: bool | None) -> None:
    assert is_hard(reason, status) is hard


def test_every_phrase_compiles_and_its_literal_is_in_its_own_text() -> None:
    for reason, phrases in TABLE.items():
        for fragment, phrase in zip(PHRASES[reason], phrases, strict=True):
            assert phrase.literal == required_literal(fragment)
            if phrase.pattern is None:  # a plain phrase matches itself
                assert match(reason, f"xx {fragment.replace(chr(92), '')} yy") is not None, fragment


@pytest.mark.parametrize(("fragment", "literal"), [
    (r"over ?quota", "quota"), (r"mailbox (?:is )?full", "mailbox "),
    (r"user .{1,80} does not exist", " does not exist"), (r"\bspam\b", "spam"), (r"a|b", ""),
    (r"#5\.1\.1 bad address", "#5.1.1 bad address"), (r"i'?m away", "m away"),
])
def test_required_literal(fragment: str, literal: str) -> None:
    assert required_literal(fragment) == literal


# The one-pass literal scanner (phrases.TextPhrases) gives match()'s answer for every reason.
_PHRASE_PIECES = st.sampled_from(
    [f.replace("\\", "").replace("(?:", "").replace(")?", "").replace(")", "") for frags in PHRASES.values()
     for f in frags[::7]]
    + ["550 5.1.1", "<a@example.com>:", " ", "  ", "-", "MAILBOX", "User", "quota", "spam", "\u017fpam", "r\u00e9ponse",
       "\u0130nvalid", "mailbox full", "full mailbox", "user unknown", "unknown", "x", "."])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PHRASE_PIECES, max_size=12), cut=st.integers(min_value=0, max_value=40))
def test_scanner_gives_the_per_phrase_answer(pieces: list[str], cut: int) -> None:
    text = " ".join(pieces)[cut:]
    scanned = TextPhrases(text)
    case = Case(status=None, replycode=None, text=text, lower=text.lower())
    for reason in R:
        expected = match(reason, text)
        assert scanned.match(reason) == expected, (reason, text)
        assert case.phrase(reason) == expected, (reason, text)  # `present` skips reasons without a candidate


def test_scanner_finds_overlapping_and_nested_literals() -> None:
    # 'mailbox ' and 'mailbox is full' start at one place, 'is full' inside it: every phrase whose literal is there
    text = "550 5.2.2 mailbox is full"
    scanned = TextPhrases(text)
    assert scanned.match(R.MAILBOXFULL) == match(R.MAILBOXFULL, text) == "mailbox is full"
    assert all(scanned.match(r) == match(r, text) for r in TABLE)
    assert TextPhrases("").match(R.MAILBOXFULL) is None


def test_scanner_gives_the_per_phrase_answer_on_every_corpus_diagnostic() -> None:
    from analyzer import analyze
    from tests.corpus_eval import CORPUS

    texts = [r.diagnostic for path in sorted((CORPUS / "maildir").rglob("*")) if path.is_file()
             for r in analyze(path.read_bytes()).recipients if r.diagnostic]
    assert len(texts) > 400
    for text in texts:
        scanned = TextPhrases(text)
        assert [scanned.match(r) for r in TABLE] == [match(r, text) for r in TABLE], text
        case = Case(status=None, replycode=None, text=text, lower=text.lower())
        assert [case.phrase(r) for r in R] == [match(r, text) for r in R], text
