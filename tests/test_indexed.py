"""IndexedMessage answers header lookups exactly like the stdlib Message, also after the header list changes."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.indexed import IndexedMessage, header_fields

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"
SAMPLES = Path(__file__).parent / "samples"
NAMES = ("content-type", "Received", "FROM", "x-failed-recipients", "Subject", "absent-header",
         "Content-Transfer-Encoding")


PARAMS = ("charset", "boundary", "report-type", "name", "filename", "format", "text/plain", "absent")
PARAM_HEADERS = ("content-type", "Content-Disposition", "x-absent")


def _files() -> list[Path]:
    return sorted(SAMPLES.rglob("*.eml")) + (sorted(CORPUS.glob("*.eml")) if CORPUS.is_dir() else [])


def _walk(msg: Message) -> list[Message]:
    parts = [msg]
    payload = msg.get_payload()
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                parts.extend(_walk(sub))
    return parts


def _answers(msg: Message) -> list[object]:
    names = [*NAMES, *(k for k, _ in header_fields(msg))]  # every name present, as written
    out: list[object] = [msg.get_content_type(), msg.get_boundary(), msg.get_content_charset(), msg.get_filename(),
                         msg.get_params(), *(msg.get_param(p, "-", h) for p in PARAMS for h in PARAM_HEADERS)]
    for name in names:
        out += [str(msg.get(name)), name in msg, [str(v) for v in msg.get_all(name, [])], str(msg[name])]
    return out


def test_the_same_answers_on_every_part_of_every_sample() -> None:
    files = _files()
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        plain = _walk(email.message_from_bytes(data))
        indexed = _walk(email.message_from_bytes(data, _class=IndexedMessage))
        assert all(isinstance(m, IndexedMessage) for m in indexed)
        assert len(plain) == len(indexed), path.name
        for a, b in zip(plain, indexed, strict=True):
            assert _answers(a) == _answers(b), path.name


@pytest.mark.parametrize("change", ["set_param", "replace_header", "delete", "add", "set_boundary", "set_type",
                                    "default_type"])
def test_the_same_answers_after_the_headers_change(change: str) -> None:
    raw = (b"From: a@example.com\nX-A: 1\nContent-Type: multipart/mixed; boundary=B\nX-A: 2\nX-B: 3\nX-C: 4\n"
           b"X-D: 5\nX-E: 6\n\n--B\nContent-Type: text/plain\n\nhi\n--B--\n")
    msgs = [email.message_from_bytes(raw), email.message_from_bytes(raw, _class=IndexedMessage)]
    for msg in msgs:
        _answers(msg)  # build the index and remember the content type first
        if change == "set_param":
            msg.set_param("charset", "utf-8")
        elif change == "replace_header":
            msg.replace_header("Content-Type", "text/html")
        elif change == "delete":
            del msg["X-A"]
        elif change == "add":
            msg["X-A"] = "3"
        elif change == "set_boundary":
            msg.set_boundary("C")
        elif change == "set_type":
            msg.set_type("message/rfc822")
        else:
            del msg["Content-Type"]
            msg.set_default_type("message/rfc822")
    assert _answers(msgs[0]) == _answers(msgs[1])


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["\u00e9", "\udce9"]).flatmap(lambda eight_bit: st.lists(st.sampled_from([
    "text/plain", "multipart/mixed", " ", ";", "=", '"', "'", "<", ">", "*", "\\", "boundary", "BOUNDARY", "charset",
    "name", "=?x?q?a?=", eight_bit, "\r\n ", "\t", "a", "0", "*0", "*1*"]), max_size=14)))
def test_the_same_parameters_of_any_header_value(parts: list[str]) -> None:
    """(8-bit bytes come as surrogates from a bytes parse, as characters from a text parse: never both.)"""
    value = "".join(parts)
    msgs: list[Message] = [Message(), IndexedMessage()]
    for msg in msgs:
        header_fields(msg)[:] = [("Content-Type", value), ("Content-Disposition", value)]  # as a parser does
    assert _answers(msgs[0]) == _answers(msgs[1])


def test_other_policies_fetch_through_the_policy() -> None:
    import email.policy
    from email.headerregistry import BaseHeader

    for msg in (Message(policy=email.policy.default), IndexedMessage(policy=email.policy.default)):
        for i in range(8):  # past the few headers that are scanned
            msg[f"X-{i}"] = "value"
        msg["Subject"] = "plain ascii"
        assert isinstance(msg.get("Subject"), BaseHeader)
        assert all(isinstance(v, BaseHeader) for v in msg.get_all("X-1", []))


def test_names_are_the_lowercase_header_names_also_after_changes() -> None:
    """names() (the gates' header test) is the set of lowercased names of every part, kept up to date."""
    files = _files()
    assert len(files) > 100
    for path in files:
        for part in _walk(email.message_from_bytes(path.read_bytes(), _class=IndexedMessage)):
            assert isinstance(part, IndexedMessage)
            assert set(part.names()) == {k.lower() for k in part.keys()}, path.name  # noqa: SIM118
    msg = email.message_from_string("From: a@example.com\nX-Failed-Recipients: b@example.org\n\nbody\n",
                                    _class=IndexedMessage)
    assert isinstance(msg, IndexedMessage)
    assert set(msg.names()) == {"from", "x-failed-recipients"}
    msg["Auto-Submitted"] = "auto-replied"
    del msg["From"]
    assert set(msg.names()) == {"x-failed-recipients", "auto-submitted"}
