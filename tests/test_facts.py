"""read_headers: the header names present read once (header_names) answer as `name in msg` does."""

from __future__ import annotations

from email.message import Message
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from analyzer.headers.antispam import HEADERS as ANTISPAM_HEADERS
from analyzer.headers.auth import HEADERS as AUTH_HEADERS
from analyzer.headers.facts import header_names, read_headers
from analyzer.indexed import IndexedMessage, header_fields
from analyzer.mime import parse

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"
SAMPLES = Path(__file__).resolve().parent / "samples"
ASKED = ("received", *AUTH_HEADERS, *sorted(ANTISPAM_HEADERS))

_NAMES = st.sampled_from(["Received", "RECEIVED", "received", "Received-SPF", "Authentication-Results",
                          "ARC-Authentication-Results", "X-MS-Exchange-Organization-SCL", "X-Microsoft-Antispam",
                          "X-Forefront-Antispam-Report", "x-forefront-antispam-report-UNTRUSTED", "Subject", "X"])


def _messages() -> list[Message]:
    paths = sorted(p for p in CORPUS.rglob("*") if p.is_file()) + sorted(p for p in SAMPLES.rglob("*.eml"))
    out: list[Message] = []
    for path in paths:
        parsed = parse(path.read_bytes())
        out.append(parsed.msg)
        if parsed.original is not None:
            out.append(parsed.original)
    return out


def test_header_names_answer_as_contains_on_every_corpus_and_sample_message() -> None:
    messages = _messages()
    assert len(messages) > 400
    assert any(isinstance(m, IndexedMessage) for m in messages)
    for msg in messages:
        names = header_names(msg)
        assert {n for n in ASKED if n in names} == {n for n in ASKED if n in msg}
        plain = Message()  # the stdlib's own `in`, on the same header list
        for name, value in header_fields(msg):
            plain[name] = value
        assert {n for n in ASKED if n in header_names(plain)} == {n for n in ASKED if n in plain}


@given(st.lists(_NAMES, max_size=12))
def test_header_names_of_any_header_list(names: list[str]) -> None:
    for msg in (Message(), IndexedMessage()):
        for n in names:
            msg[n] = "x"
        assert set(header_names(msg)) == {n.lower() for n in names}
        assert all((n in header_names(msg)) == (n in msg) for n in ASKED)
        facts = read_headers(msg)
        assert (len(facts.hops) > 0) == ("received" in msg)
