"""analyzer.fastmime builds exactly the stdlib's compat32 tree, or declines.

Differential: for every corpus message (read from ../shared/corpus at test time), every golden sample,
the demo generator's mail, hand-made edge cases of each feed-parser rule, and hypothesis-mutated real
samples (truncated, boundaries duplicated or dropped, blank lines removed, CR/LF variants, NULs, deep
nesting, stray `From ` and continuation lines), the fast tree equals the stdlib tree -- header lists,
unixfrom, preamble, epilogue, payload types and values, default types, defects by type -- or the fast
parser returned None. The fast path must also be the common one (coverage asserted on corpus and demo).
"""

from __future__ import annotations

import email
import email.parser
import re
from collections.abc import Callable
from datetime import date
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import fastmime
from analyzer.indexed import IndexedMessage
from tests.conftest import require
from tests.corpus_eval import CORPUS

SAMPLES = Path(__file__).parent / "samples"
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def difference(fast: Message, slow: Message, where: str = "root") -> str | None:
    """The first difference between two trees, described; None when they are equal."""
    if type(fast) is not type(slow):
        return f"{where}: class {type(fast).__name__} != {type(slow).__name__}"
    for attr in ("_headers", "_unixfrom", "preamble", "epilogue", "_default_type", "_charset", "policy"):
        a, b = getattr(fast, attr), getattr(slow, attr)
        if a != b:
            return f"{where}.{attr}: {a!r:.300} != {b!r:.300}"
    a_defects = [type(d).__name__ for d in fast.defects]
    b_defects = [type(d).__name__ for d in slow.defects]
    if a_defects != b_defects:
        return f"{where}.defects: {a_defects} != {b_defects}"
    a, b = fast._payload, slow._payload  # type: ignore[attr-defined]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} parts != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if type(a) is not type(b) or a != b:
        return f"{where}._payload: {a!r:.300} != {b!r:.300}"
    return None


def check(data: bytes) -> bool:
    """Assert the fast tree equals the stdlib's (or was declined); True when the fast path was taken.
    The fast parser never raises (it declines; the stdlib may raise on the same input)."""
    fast = fastmime.message_from_bytes(data)
    if fast is None:
        return False
    slow = email.message_from_bytes(data, _class=IndexedMessage)
    found = difference(fast, slow)
    assert found is None, found
    assert view(fast) == view(slow)  # a second view, through the Message API the analyzer uses
    return True


def view(msg: Message) -> list[object]:
    """Each part's content type, boundary and decoded payload, in walk() order (an exception, such as the
    stdlib's on a broken RFC 2231 parameter, by its type: the same tree raises the same)."""
    def outcome(get: Callable[[], object]) -> object:
        try:
            return get()
        except Exception as exc:  # compared, not handled
            return type(exc).__name__

    return [(outcome(part.get_content_type), outcome(part.get_boundary),
             None if part.is_multipart() else outcome(lambda p=part: p.get_payload(decode=True)))  # type: ignore[misc]
            for part in msg.walk()]


_header_parser = email.parser.HeaderParser(_class=IndexedMessage)


def check_headers(text: str) -> bool:
    """The same for a header block given as text (HeaderParser, headersonly)."""
    fast = fastmime.parse_text(text, headers_only=True)
    if fast is None:
        return False
    found = difference(fast, _header_parser.parsestr(text))
    assert found is None, found
    return True


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "maildir").rglob("*.eml"))


def test_every_corpus_message() -> None:
    files = corpus_files()
    require(f"the shared corpus at {CORPUS}", bool(files))
    fast = sum(check(p.read_bytes()) for p in files)
    print(f"\nfast path: {fast} of {len(files)} corpus messages")
    assert fast >= 0.99 * len(files)


def test_every_golden_sample() -> None:
    files = sorted(SAMPLES.rglob("*.eml"))
    fast = sum(check(p.read_bytes()) for p in files)
    assert fast >= 0.97 * len(files)  # the declined ones are the CR-only and binary samples


def test_the_demo_generators_mail() -> None:
    from ndr.demo.generate import generate

    messages = [data for data, _ in generate(2000, end=date(2025, 3, 31))]
    fast = sum(check(data) for data in messages)
    assert fast == len(messages)


def test_header_blocks_of_every_golden_sample() -> None:
    for path in sorted(SAMPLES.rglob("*.eml")):
        text = path.read_bytes().decode("utf-8", "replace")
        assert check_headers(text) or "\r" in text


MULTIPART = (
    "From: a@example.com\nContent-Type: multipart/mixed; boundary=\"{b}\"\n\n"
    "preamble\n--{b}\nContent-Type: text/plain\n\nfirst\n--{b}\n\nsecond\n--{b}--\nepilogue\n"
)
DSN = (
    "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
    "--B\n\ntext\n--B\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; b@example.org\nStatus: 5.1.1\n\n"
    "--B\nContent-Type: message/rfc822\n\nSubject: hi\n\nbody\n--B--\n"
)
EDGE_CASES = {
    "empty": "",
    "only a blank line": "\n",
    "headers only, no line break": "Subject: x",
    "unixfrom": "From someone@example.com Mon Jun  3 10:00:00 2024\nSubject: x\n\nbody\n",
    "unixfrom alone": "From someone@example.com Mon Jun  3 10:00:00 2024",
    "no separator": "Subject: x\nnot a header line\nmore\n",
    "body only": "just text\n\nmore text\n",
    "folded headers": "Subject: a\n b\n\tc\nX-Empty:\nX-Blank:   \n  \nTo: t\n\nbody",
    "crlf": MULTIPART.format(b="b1").replace("\n", "\r\n"),
    "mixed line endings": MULTIPART.format(b="b1").replace("\n\n", "\r\n\r\n"),
    "multipart": MULTIPART.format(b="b1"),
    "boundary with spaces after": MULTIPART.format(b="b1").replace("--b1\n", "--b1  \t\n"),
    "boundary lines repeated": MULTIPART.format(b="b1").replace("--b1\n", "--b1\n--b1\n"),
    "close boundary repeated": MULTIPART.format(b="b1").replace("--b1--\n", "--b1\n--b1--\n"),
    "no close boundary": MULTIPART.format(b="b1").replace("--b1--\nepilogue\n", ""),
    "close without newline": MULTIPART.format(b="b1").replace("--b1--\nepilogue\n", "--b1--"),
    "no start boundary": "Content-Type: multipart/mixed; boundary=zz\n\nno parts here\n",
    "close boundary first": "Content-Type: multipart/mixed; boundary=zz\n\npre\n--zz--\nrest\n--zz\nx\n",
    "no boundary parameter": "Content-Type: multipart/mixed\n\n--x\n\nbody\n--x--\n",
    "empty boundary": "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nbody\n----\n",
    "quoted and angled boundary": MULTIPART.format(b="b1").replace('"b1"', '"<b1>"'),
    "rfc2231 boundary": MULTIPART.format(b="b1").replace('boundary="b1"', "boundary*0=b;boundary*1=1"),
    "boundary with quote in another param": MULTIPART.format(b="b1").replace(
        "mixed;", 'mixed; name="a;b";'),
    "base64 multipart": MULTIPART.format(b="b1").replace("From:", "Content-Transfer-Encoding: base64\nFrom:"),
    "8-bit transfer encoding": MULTIPART.format(b="b1").replace("From:", "Content-Transfer-Encoding: 8b\udce9t\nFrom:"),
    "two transfer encodings": MULTIPART.format(b="b1").replace(
        "From:", "content-transfer-encoding: 7BIT\nContent-Transfer-Encoding: base64\nFrom:"),
    "uppercase boundary parameter": MULTIPART.format(b="b1").replace("boundary=", "BOUNDARY = "),
    "two boundary parameters": MULTIPART.format(b="b1").replace('boundary="b1"', 'boundary="b1"; boundary=b2'),
    "boundary with blanks inside quotes": MULTIPART.format(b="b1").replace('"b1"', '"b1   "'),
    "boundary folded onto the next line": MULTIPART.format(b="b1").replace("mixed; ", "mixed;\n\t"),
    "nested identical boundaries": (
        "Content-Type: multipart/mixed; boundary=S\n\n--S\nContent-Type: multipart/alternative; boundary=S\n\n"
        "--S\n\ninner\n--S--\n--S--\n"),
    "nested": (
        "Content-Type: multipart/mixed; boundary=O\n\n--O\nContent-Type: multipart/alternative; boundary=I\n\n"
        "pre\n--I\n\na\n--I\nContent-Type: text/html\n\n<b>b</b>\n--I--\ninner epilogue\n\n--O\n\nlast\n--O--\n"),
    "inner part cut by the outer boundary": (
        "Content-Type: multipart/mixed; boundary=O\n\n--O\nContent-Type: multipart/alternative; boundary=I\n\n"
        "--I\n\na\n--O\n\nlast\n--O--\n"),
    "outer boundary inside headers": (
        "Content-Type: multipart/mixed; boundary=O\n\n--O\nSubject: x\n--O\nTo: y\n\nz\n--O--\n"),
    "digest": (
        "Content-Type: multipart/digest; boundary=D\n\n--D\n\nSubject: one\n\nbody one\n--D\n"
        "Content-Type: text/plain\n\nplain\n--D--\n"),
    "delivery-status": DSN,
    "delivery-status with blank runs": DSN.replace("dns; mx.example.net\n\n", "dns; mx.example.net\n\n\n\n"),
    "delivery-status with text lines": DSN.replace("Status: 5.1.1\n", "Status: 5.1.1\nnot a field\nmore\n"),
    "delivery-status at the end": "Content-Type: message/delivery-status\n\nA: 1\n\nB: 2\n",
    "delivery-status block with a type": DSN.replace("Status: 5.1.1", "Content-Type: message/rfc822"),
    "message/rfc822 without end": "Content-Type: message/rfc822\n\nSubject: inner\n\ninner body",
    "message/rfc822 nested": "Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: x\n\ny\n",
    "misplaced From line": "Subject: x\nFrom bad line\nTo: y\n\nbody\n",
    "From line last": "Subject: x\nFrom bad line\n\nbody\n",
    "colon line": "Subject: x\n: no name\n\nbody\n",
    "continuation first": " folded\nSubject: x\n\nbody\n",
    "lone CR": "Subject: x\r\rbody\n",
    "8-bit content type": "Content-Type: multipart/mixed; boundary=\udce9\n\n--\udce9\n\nx\n--\udce9--\n",
    "8-bit header": "Subject: caf\udce9\n\nbody \udce9\n",
    "content type without slash": "Content-Type: multipart\n\n--x\n\nbody\n",
    "broken rfc2231 boundary": "Content-Type: multipart/mixed; boundary*0=b;boundary*\n\n--b\n\nx\n--b--\n",
    "two content types": "Content-Type: text/plain\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\ny\n--x--\n",
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases(text: str) -> None:
    data = text.encode("ascii", "surrogateescape")
    check(data)
    check_headers(text)


@pytest.mark.parametrize("name", ["multipart", "nested", "digest", "delivery-status", "unixfrom", "no separator",
                                  "no close boundary", "close boundary first", "inner part cut by the outer boundary",
                                  "crlf", "8-bit header", "rfc2231 boundary", "headers only, no line break"])
def test_the_common_shapes_take_the_fast_path(name: str) -> None:
    assert check(EDGE_CASES[name].encode("ascii", "surrogateescape"))


@pytest.mark.parametrize("name", ["lone CR", "misplaced From line", "From line last", "colon line",
                                  "continuation first", "delivery-status block with a type",
                                  "broken rfc2231 boundary"])
def test_what_it_does_not_mirror_is_declined(name: str) -> None:
    assert fastmime.message_from_bytes(EDGE_CASES[name].encode("ascii", "surrogateescape")) is None


def test_deep_nesting_is_the_same_or_declined() -> None:
    inner = b"Content-Type: multipart/mixed; boundary=x\n\n--x\n\nbody\n--x--\n"
    for depth in range(250):
        inner = (f"Content-Type: multipart/mixed; boundary=b{depth}\n\n--b{depth}\n").encode() + inner
        if depth % 50 == 0:
            check(inner)
    assert fastmime.message_from_bytes(inner) is None  # deeper than MAX_NESTING: the stdlib decides


# -- mutated real samples (hypothesis) --------------------------------------------------------------------

def _sources() -> list[bytes]:
    files = [*corpus_files()[::6], *sorted(SAMPLES.rglob("*.eml"))[::3]]
    return [p.read_bytes() for p in files] + [t.encode("ascii", "surrogateescape") for t in EDGE_CASES.values()]


SOURCES = _sources()
OPS = st.lists(st.tuples(st.sampled_from([
    "truncate", "duplicate-boundary", "drop-boundary", "drop-blank-lines", "crlf", "lf", "cr", "crlf-some", "nul",
    "nest", "from-line", "continuation", "no-colon", "space-after-boundary", "dup-lines", "delete"]),
    st.integers(min_value=0, max_value=1 << 30)), min_size=1, max_size=4)


def _line_starts(data: bytes, prefix: bytes) -> list[int]:
    out: list[int] = []
    i = data.find(b"\n" + prefix)
    while i >= 0 and len(out) < 200:
        out.append(i + 1)
        i = data.find(b"\n" + prefix, i + 1)
    return out


def mutate(data: bytes, ops: list[tuple[str, int]]) -> bytes:
    for op, r in ops:
        i = r % (len(data) + 1)
        dashes = _line_starts(data, b"--")
        at = dashes[r % len(dashes)] if dashes else i
        end = data.find(b"\n", at) + 1 or len(data)
        if op == "truncate":
            data = data[:i]
        elif op == "duplicate-boundary":
            data = data[:end] + data[at:end] + data[end:]
        elif op == "drop-boundary":
            data = data[:at] + data[end:]
        elif op == "drop-blank-lines":
            data = data.replace(b"\n\n", b"\n", 1 + r % 3)
        elif op == "crlf":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        elif op == "lf":
            data = data.replace(b"\r\n", b"\n")
        elif op == "cr":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
        elif op == "crlf-some":
            data = data[:i] + data[i:].replace(b"\n", b"\r\n", 1 + r % 5)
        elif op == "nul":
            data = data[:i] + b"\0" + data[i:]
        elif op == "nest":
            data = b"Content-Type: message/rfc822\n\n" + data if r % 2 else (
                b"Content-Type: multipart/mixed; boundary=N\n\n--N\n" + data + b"\n--N--\n")
        elif op == "from-line":
            data = data[:i] + b"\nFrom x@example.com Mon Jun  3 10:00:00 2024\n" + data[i:]
        elif op == "continuation":
            data = data[:i] + b"\n  folded text\n" + data[i:]
        elif op == "no-colon":
            data = data[:i] + b"\nNo colon here\n" + data[i:]
        elif op == "space-after-boundary":
            data = data[:end - 1] + b" \t" + data[end - 1:] if end > at else data
        elif op == "dup-lines":
            data = data[:end] + data[i:end] + data[i:]
        else:
            data = data[:i] + data[i + r % 200:]
    return data


@SETTINGS
@given(st.sampled_from(range(len(SOURCES))), OPS)
def test_mutated_samples(index: int, ops: list[tuple[str, int]]) -> None:
    data = mutate(SOURCES[index], ops)
    check(data)
    check_headers(data.decode("utf-8", "replace"))


@SETTINGS
@given(st.lists(st.sampled_from([
    "Subject: x\n", "From x\n", " cont\n", "\t\n", "\n", "\r\n", "\r", "--B\n", "--B--\n", "--C\n", "--B \n",
    "Content-Type: multipart/mixed; boundary=B\n", "Content-Type: multipart/digest; boundary=C\n",
    "Content-Type: message/rfc822\n", "Content-Type: message/delivery-status\n", "text\n", ": x\n", "X:\n",
    "Content-Transfer-Encoding: base64\n", "\udcff\n", "A: b", "--B", "--B--"]), max_size=40))
def test_random_line_soups(lines: list[str]) -> None:
    text = "".join(lines)
    check(text.encode("ascii", "surrogateescape"))
    check_headers(text)


# The field pattern with the header-name characters spelled out: over the lines _HEADER_LINES accepts, the one
# fastmime uses ("everything up to the first colon") reads the same fields.
_STRICT_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)\n?")


def _accepted_block(text: str) -> tuple[int, int] | None:
    m = fastmime._HEADER_LINES.match(text)
    return None if m is None or not m.end() or text[0] in " \t" else (0, m.end())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([
    "Subject: x\n", "Subject:x\r\n", "X-A:\n", " cont\n", "\tcont: y\n", "\t\n", "To: a@b: c\n", "A::\n", "a b: x\n",
    "From x\n", ":x\n", "Name:  \t v\n", "\n", "N:\u00e9\n", "K: v\r\n", " \r\n",
]), min_size=1, max_size=12).map("".join))
def test_the_field_pattern_reads_accepted_lines_as_the_strict_one(text: str) -> None:
    block = _accepted_block(text)
    if block is not None:
        assert fastmime._FIELD.findall(text, *block) == _STRICT_FIELD.findall(text, *block)


def test_the_field_pattern_on_every_sample_header_block() -> None:
    for data in SOURCES:
        text = data.decode("ascii", "surrogateescape")
        block = _accepted_block(text)
        if block is not None:
            assert fastmime._FIELD.findall(text, *block) == _STRICT_FIELD.findall(text, *block)
