"""analyzer.mime and analyzer.textutil: charsets, broken MIME, forwarded and re-wrapped bounces."""

from __future__ import annotations

import pytest

from analyzer import Kind, analyze
from analyzer.mime import parse
from analyzer.textutil import codec_for, decode_bytes, decode_escapes

JA = "宛先のメールアドレスが見つかりませんでした。"


@pytest.mark.parametrize(("data", "label", "text", "bad"), [
    (b"User unknown", "us-ascii", "User unknown", False),
    ("Grüße".encode(), "uft-8", "Grüße", False),  # misspelled label
    ("Grüße".encode(), "utf8", "Grüße", False),
    ("Привет".encode("cp1251"), "windows-1251", "Привет", False),
    ("Привет".encode("cp1251"), "x-no-such-charset", "Привет".encode("cp1251").decode("cp1252", "replace"), True),
    (JA.encode("iso2022_jp"), "iso-2022-jp", JA, False),
    (JA.encode("euc_jp"), "iso-2022-jp", JA, True),  # labelled iso-2022-jp, written in EUC-JP
    (JA.encode("cp932"), "shift_jis", JA, False),
    (JA.encode("cp932"), "x-sjis", JA, False),
    (b"+ZeVnLIqe-", "utf-7", "日本語", False),
    (b"caf\xe9", "utf-8", "café", True),  # invalid UTF-8: Latin-1 bytes
])
def test_decode_bytes(data: bytes, label: str, text: str, bad: bool) -> None:
    assert decode_bytes(data, label) == (text, bad)


@pytest.mark.parametrize(("label", "codec"), [
    ("UTF-8", "utf-8"), ("uft-8", "utf-8"), ('"iso-2022-jp"', "iso-2022-jp"), ("ks_c_5601-1987", "cp949"),
    ("x-no-such-charset", None), (None, None),
])
def test_codec_for(label: str | None, codec: str | None) -> None:
    assert codec_for(label) == codec


def test_decode_escapes_reads_raw_iso_2022_jp_in_report_fields() -> None:
    raw = JA.encode("iso2022_jp").decode("ascii")
    assert decode_escapes(f"X-Notes; {raw}") == f"X-Notes; {JA}"
    assert decode_escapes("plain text") == "plain text"


HEAD = b"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>\nSubject: Returned mail: see transcript\n"
REPORT = (b"--B0UND4RY.1/relay.example.org\n\n"
          b"   ----- The following addresses had permanent fatal errors -----\n<a@example.net>\n"
          b"    (reason: 550 5.1.1 <a@example.net>... User unknown)\n\n"
          b"--B0UND4RY.1/relay.example.org\nContent-Type: message/delivery-status\n\n"
          b"Reporting-MTA: dns; relay.example.org\n\nFinal-Recipient: RFC822; a@example.net\nAction: failed\n"
          b"Status: 5.1.1\nDiagnostic-Code: SMTP; 550 5.1.1 <a@example.net>... User unknown\n\n"
          b"--B0UND4RY.1/relay.example.org--\n")


def test_multipart_body_without_content_type_is_repaired() -> None:
    p = parse(HEAD + b"MIME-Version: 1.0\n\nThis is a MIME-encapsulated message\n\n" + REPORT)
    assert p.msg.is_multipart()
    assert p.dsn is not None and p.dsn.recipients[0].final_recipient == "a@example.net"
    assert any("boundary taken from the body" in d for d in p.defects)


def test_a_returned_message_with_boundaries_in_its_body_is_not_repaired() -> None:
    body = b"Hello.\n\nThe attachment follows as text:\n" + b"x\n" * 600 + REPORT
    p = parse(HEAD + b"\n" + body)
    assert not p.msg.is_multipart()


def test_a_report_pasted_into_a_text_body_is_read() -> None:
    wrapper = (b"From: postmaster@example.org\nSubject: Undelivered Mail Returned to Sender\n"
               b"Content-Type: text/plain; charset=us-ascii\n\nThe following is the error message.\n---------\n"
               b"From MAILER-DAEMON  Tue Nov  4 10:15:09 2025\nFrom: MAILER-DAEMON@mx1.example.org\n"
               b"Content-Type: multipart/report; report-type=delivery-status;\n"
               b"\tboundary=\"B0UND4RY.1/relay.example.org\"\n"
               b"\n")
    p = parse(wrapper + REPORT)
    assert p.dsn is not None and p.dsn.recipients[0].status == "5.1.1"
    assert any("embedded in a text body" in d for d in p.defects)


def test_a_forwarded_bounce_is_unquoted() -> None:
    data = (b"From: Ana <ana@example.org>\nSubject: Fwd: Returned mail: see transcript for details\n"
            b"Content-Type: text/plain; charset=utf-8\n\nBegin forwarded message:\n\n"
            b">    ----- The following addresses had permanent fatal errors -----\n> <a@example.net>\n"
            b">     (reason: 550 5.1.1 <a@example.net>... User unknown)\n")
    a = analyze(data)
    assert (a.kind, a.reporter) == (Kind.BOUNCE, "sendmail")
    got = [(r.recipient, r.status, r.reason.value) for r in a.recipients]
    assert got == [("a@example.net", "5.1.1", "userunknown")]


def test_a_report_attached_as_a_message_is_read() -> None:
    inner = (b"From: MAILER-DAEMON@relay.example.org\nSubject: Returned mail\nMIME-Version: 1.0\n"
             b"Content-Type: multipart/report; report-type=delivery-status;"
             b" boundary=\"B0UND4RY.1/relay.example.org\"\n\n"
             + REPORT)
    outer = (b"From: gateway@example.org\nSubject: Returned mail: User unknown\nMIME-Version: 1.0\n"
             b"Content-Type: multipart/mixed; boundary=\"OUTER\"\n\n"
             b"--OUTER\nContent-Type: text/plain\n\nSee attached.\n"
             b"--OUTER\nContent-Type: message/rfc822\n\n" + inner + b"\n--OUTER--\n")
    p = parse(outer)
    assert p.dsn is not None and p.dsn.recipients[0].final_recipient == "a@example.net"
    assert p.original is None
    assert any("re-wrapped by a gateway" in d for d in p.defects)


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_line_endings_give_the_same_recipients(ending: bytes) -> None:
    data = HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; " \
        b"boundary=\"B0UND4RY.1/relay.example.org\"\n\n" + REPORT
    want = [(r.recipient, r.status, r.reason) for r in analyze(data).recipients]
    got = [(r.recipient, r.status, r.reason) for r in analyze(data.replace(b"\n", ending)).recipients]
    assert got == want == [("a@example.net", "5.1.1", analyze(data).recipients[0].reason)]
