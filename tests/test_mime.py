"""analyzer.mime and analyzer.textutil: charsets, broken MIME, forwarded and re-wrapped bounces."""

from __future__ import annotations

import re
from email.message import Message

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import Kind, analyze, limits, mime
from analyzer.mime import parse
from analyzer.textutil import base64_problem, clip, codec_for, decode_bytes, decode_escapes, decode_rfc2047, header_str

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


# -- the fast forms of mime's scans give the answers of the regular expressions they replace -------------

BYTES_SOUP = st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"x", b"--", b"--abcdef", b" ", b"\t",
                                       b"Content-Type:", b"content-TYPE: ", b"multipart/", b"Message/",
                                       b"content-description:", b"/"]), max_size=60).map(b"".join)


@settings(max_examples=1500, deadline=None)
@given(BYTES_SOUP)
def test_header_end_is_the_first_blank_line(data: bytes) -> None:
    m = re.compile(rb"\r?\n\r?\n").search(data, 0, limits.MAX_HEADER_CHARS)
    assert mime._header_end(data) == (None if m is None else m.span())


@settings(max_examples=1500, deadline=None)
@given(BYTES_SOUP, st.integers(min_value=0, max_value=80), st.integers(min_value=0, max_value=200))
def test_first_line_match_is_a_search(data: bytes, start: int, length: int) -> None:
    start = data.rfind(b"\n", 0, start) + 1  # a line start
    want = mime._BODY_BOUNDARY.search(data, start, start + length)
    got = mime._first_line_match(mime._BODY_BOUNDARY, data, b"--", start, start + length)
    assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups()))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"content-type: multipart/x\n", b"Content-Type:\n Message/rfc822\n",
                                 b"CONTENT-TYPE:text/plain\n", b"x content-type: message/y\n", b"\r\n", b"/",
                                 b"content-type: messages/\n"]), max_size=400).map(b"".join))
def test_containers_are_cut_at_the_same_place(data: bytes) -> None:
    pattern = re.compile(rb"^content-type:\s*(?:multipart|message)/", re.I | re.M)
    starts = [m.start() for m in pattern.finditer(data)]
    want = data[: starts[limits.MAX_CONTAINERS]] if data.count(b"/") > limits.MAX_CONTAINERS and len(
        starts) > limits.MAX_CONTAINERS else data
    defects: list[str] = []
    assert mime._cut_containers(data, defects) == want
    assert bool(defects) == (want != data)


# -- nothing to analyse: no header field and no text ------------------------------------------------------

HEADERLESS_POSTFIX = (b"This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your "
                      b"message could not\nbe delivered to one or more recipients.\n\n<bob@example.org>: host "
                      b"mx.example.org[192.0.2.9] said: 550 5.1.1 <bob@example.org>:\n    Recipient address rejected: "
                      b"User unknown (in reply to RCPT TO command)\n")


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, bytes(range(1, 32)) * 10,
                                  bytes((i * 7919) % 256 for i in range(3000))], ids=["all bytes", "controls", "mixed"])
def test_binary_garbage_is_an_error_that_says_why(data: bytes) -> None:
    a = analyze(data)
    assert a.kind is Kind.ERROR
    assert any("no header fields and the body is not text" in d for d in a.defects)


@pytest.mark.parametrize("data", [b"", b"\r\n", b"\n\n\n", b"   ", b"From MAILER-DAEMON Mon Jun  3 10:00:00 2024\n\n"])
def test_an_empty_message_is_an_error(data: bytes) -> None:
    a = analyze(data)
    assert a.kind is Kind.ERROR
    assert any("no header fields and no text" in d for d in a.defects)


@pytest.mark.parametrize("data", [HEADERLESS_POSTFIX, HEADERLESS_POSTFIX.replace(b"\n", b"\r\n"),
                                  JA.encode("iso2022_jp") * 20 + b"\n<bob@example.org>: 550 5.1.1 user unknown\n",
                                  b"\x0c" + HEADERLESS_POSTFIX],
                         ids=["postfix text", "crlf", "iso-2022-jp escapes", "form feed"])
def test_headerless_text_is_still_read(data: bytes) -> None:
    a = analyze(data)
    assert a.kind is not Kind.ERROR
    assert not any("nothing to analyse" in d for d in a.defects)


def test_a_message_with_a_header_field_is_never_this_error() -> None:
    a = analyze(b"X-Anything: 1\n\n" + bytes(range(256)) * 4)
    assert a.kind is not Kind.ERROR


# -- invalid base64 in a text part ------------------------------------------------------------------------

@pytest.mark.parametrize(("encoded", "problem"), [
    (b"SGVsbG8gTm9yYQ==", None),
    (b"SGVsbG8g\r\nTm9yYQ==\r\n", None),  # line breaks are transport
    (b"SGVs bG8g\tTm9yYQ==  ", None),  # and so are blanks
    (b"", None),
    (b"SGVsbG8*gTm9yYQ!==", "2 characters outside the alphabet ignored"),
    (b"SGVsbG8gTm9yYQ", "wrong padding or length"),
    (b"SGVsbG8=gTm9yYQ==", "wrong padding or length"),  # padding in the middle
    (b"SGVsbG8gTm9yYQ==Q", "wrong padding or length"),
    (b"SGVs%bG8gTm9yYQ", "1 characters outside the alphabet ignored, wrong padding or length"),
])
def test_base64_problem(encoded: bytes, problem: str | None) -> None:
    assert base64_problem(encoded) == problem


def _text_part(cte: str, body: bytes) -> bytes:
    return (b"From: a@example.net\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
            b"Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: " + cte.encode()
            + b"\n\n" + body + b"\n--b--\n")


@pytest.mark.parametrize(("cte", "body", "defect"), [
    ("base64", b"VXNlciB1bmtub3du\nLg==", None),
    ("base64", b"VXNlciB1bmtub3du*!\nLg==", "invalid base64 in a text part: 2 characters outside the alphabet ignored"),
    ("Base64", b"VXNlciB1bmtub3duL", "invalid base64 in a text part: wrong padding or length"),
    ("quoted-printable", b"VXNlciB1bmtub3du*!", None),  # not base64: nothing to say
])
def test_invalid_base64_in_a_text_part_leaves_a_defect(cte: str, body: bytes, defect: str | None) -> None:
    defects = [d for d in parse(_text_part(cte, body)).defects if "base64" in d]
    assert defects == ([defect] if defect else [])


def _leaves(data: bytes) -> list[Message]:
    return [part for part in parse(data).msg.walk() if not part.is_multipart()]


@pytest.mark.parametrize("charset", [None, "us-ascii", "utf-8", "iso-8859-15", "windows-1251", "x-unknown-label",
                                     "utf-7", "iso-2022-jp", "shift_jis", "utf-16"])
@pytest.mark.parametrize("cte", [None, "7bit", "8bit", "quoted-printable", "base64", "Base64 "])
def test_ascii_text_is_what_decoding_gives(charset: str | None, cte: str | None) -> None:
    """The shortcut for ASCII text gives what get_payload(decode=True) + decode_bytes give, or is not taken."""
    body = b"+AGEA- caf=C3=A9 \x1b$B$3\x1b(B VXNlcg== a\\b\n"
    head = b"Content-Type: text/plain" + (b"; charset=" + charset.encode() if charset else b"") + b"\n"
    head += b"Content-Transfer-Encoding: " + cte.encode() + b"\n" if cte else b""
    for part in _leaves(head + b"\n" + body):
        fast = mime._ascii_text(part)
        defects: list[str] = []
        slow = mime._decoded_bytes(mime.Parsed(msg=part, defects=defects), part)
        assert fast is None or (fast == slow and not defects)


def test_ascii_text_shortcut_on_every_sample() -> None:
    from pathlib import Path

    files = sorted((Path(__file__).parent / "samples").rglob("*.eml"))
    taken = 0
    for path in files:
        for part in _leaves(path.read_bytes()):
            fast = mime._ascii_text(part)
            if fast is not None:
                defects: list[str] = []
                assert fast == mime._decoded_bytes(mime.Parsed(msg=part, defects=defects), part)
                assert not defects
                taken += 1
    assert taken > len(files)


def _header_value_slow(raw: object) -> str | None:
    """Parsed.header's value as first written: header_str, clip and decode_rfc2047 on every value."""
    return None if raw is None else decode_rfc2047(clip(header_str(raw), limits.MAX_HEADER_CHARS))


_HEADER_CHARS = st.sampled_from(["a", "Z", " ", "\t", "\n", "\r\n ", "=?", "?=", "=?utf-8?q?", "?b?", "\xe9",
                                 "\udce9", "\x0b", "\x1c", "\x85", "\u2028", "\xa0", "_", "=E9", "SGk="])


@given(st.lists(_HEADER_CHARS, max_size=30).map("".join))
@settings(max_examples=400)
def test_header_value_fast_path_is_the_slow_path(value: str) -> None:
    assert mime.header_value(value) == _header_value_slow(value)


def test_header_value_fast_path_on_long_values_and_headers() -> None:
    from email.header import Header

    long_value = "x " * limits.MAX_HEADER_CHARS
    assert mime.header_value(long_value) == _header_value_slow(long_value)
    header = Header("caf\xe9 ok", "utf-8")
    assert mime.header_value(header) == _header_value_slow(header) == "caf\xe9 ok"
    assert mime.header_value(None) is None


def test_header_value_fast_path_on_every_corpus_header() -> None:
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    if not files:
        pytest.skip("no corpus")
    seen = 0
    for path in files:
        p = parse(path.read_bytes())
        for msg in (p.msg, p.original):
            if msg is None:
                continue
            for name, _ in msg._headers:  # type: ignore[attr-defined]
                raw = msg.get(name)
                assert mime.header_value(raw) == _header_value_slow(raw)
                seen += 1
    assert seen > 9_000


def _report_blocks(data: bytes) -> list[Message]:
    """The header-only blocks of every delivery-status / feedback-report part of a message."""
    out: list[Message] = []
    for part in parse(data).msg.walk():
        payload = part.get_payload() if part.get_content_type() in (
            "message/delivery-status", "message/global-delivery-status", "message/feedback-report") else None
        if isinstance(payload, list):
            out.extend(b for b in payload if isinstance(b, Message))
    return out


_BLOCK_BODIES = st.lists(st.sampled_from(["a", " ", "\n", "x: y", "\xe9", "\udce9", "\udcff", "\t", "--"]),
                         max_size=12).map("".join)


@given(_BLOCK_BODIES, st.sampled_from(["", "; charset=utf-8", "; charset=x-unknown"]))
@settings(max_examples=300)
def test_structured_text_block_body_is_get_payload(body: str, charset: str) -> None:
    """_structured_text reads an ASCII block body directly: what block.get_payload() returns."""
    data = (b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
            b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
            b"Final-Recipient: rfc822; a@example.net\nAction: failed\n--b--\n")
    for block in _report_blocks(data):
        block._payload = body  # type: ignore[attr-defined]
        block["Content-Type"] = "text/plain" + charset
        raw = block._payload  # type: ignore[attr-defined]
        if isinstance(raw, str) and raw.isascii():
            assert raw == block.get_payload()


def test_structured_text_block_bodies_on_every_corpus_report() -> None:
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"
    samples = Path(__file__).parent / "samples"
    files = sorted(p for p in corpus.rglob("*") if p.is_file()) + sorted(samples.rglob("*.eml"))
    ascii_bodies = 0
    for path in files:
        for block in _report_blocks(path.read_bytes()):
            raw = block._payload  # type: ignore[attr-defined]
            if isinstance(raw, str) and raw.isascii():
                assert raw == block.get_payload()
                ascii_bodies += 1
    assert ascii_bodies > 300


_BODY_PIECES = st.sampled_from([
    b"--", b"--frontier42", b"---- x", b"\r\n", b"\n", b" ", b"\t", b"text", b"Content-Type:", b"CONTENT-DESCRIPTION:",
    b"content-transfer-encoding:", b"Content-", b"x" * 300, b"\xc3\xa9", b"K", b"\xe2\x84\xaa",
    b"conTent-type: text/plain",
])


def _boundary_match_needs_content(data: bytes) -> bool:
    """_repair_multipart's pre-check: whenever _BODY_BOUNDARY matches after the header block, the 1,024-byte
    window it is searched in holds 'content-' (lowercased)."""
    end = mime._header_end(data)
    if end is None:
        return False
    window = data[end[1]: end[1] + 1024]
    m = mime._first_line_match(mime._BODY_BOUNDARY, data, b"--", end[1], end[1] + 1024)
    assert m is None or b"content-" in window.lower()
    return m is not None


@given(st.lists(_BODY_PIECES, max_size=40).map(b"".join), st.sampled_from([b"\n", b"\r\n"]))
@settings(max_examples=800, deadline=None)
def test_repair_pre_check_hides_no_boundary(body: bytes, eol: bytes) -> None:
    _boundary_match_needs_content(b"Subject: x" + eol + eol + body)


def test_repair_pre_check_hides_no_boundary_in_the_corpus() -> None:
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"
    samples = Path(__file__).parent / "samples"
    files = sorted(p for p in corpus.rglob("*") if p.is_file()) + sorted(samples.rglob("*.eml"))
    assert len(files) > 400
    assert sum(_boundary_match_needs_content(path.read_bytes()) for path in files) >= 3
