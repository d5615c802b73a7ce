"""Property tests (hypothesis): random bytes and mutated real bounces never raise and give bounded output.

The real bounces are read from ../shared/corpus/sisimai at test time (never copied into the repo).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import analyze
from analyzer.headers.antispam import antispam_of, parse_forefront
from analyzer.headers.auth import HEADERS as AUTH_HEADERS
from analyzer.headers.auth import parse_auth_header
from analyzer.headers.original import pasted_headers
from analyzer.headers.received import parse_received
from analyzer.mime import headers_from_text
from analyzer.sending_ip import from_diagnostic
from analyzer.serialize import to_json
from tests.conftest import require
from tests.corpus_eval import CORPUS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAILDIR = CORPUS / "maildir" / "bsd"


def output_bound(size: int) -> int:
    """The most JSON one message may produce: a fixed allowance plus a few times its own size."""
    return 64 * 1024 + 4 * size


def check(data: bytes) -> None:
    out = to_json(analyze(data))
    assert len(out) <= output_bound(len(data))
    json.loads(out)


@SETTINGS
@given(st.binary(max_size=8192))
def test_random_bytes(data: bytes) -> None:
    check(data)


# Fragments that steer random input into the parsers' interesting paths.
FRAGMENTS = [b"Received: ", b"from ", b" by ", b" with ", b" id ", b" for ", b"(", b")", b"[", b"]", b"IPv6:", b"::",
             b"; ", b"\r\n", b"\n", b" ", b"192.0.2.1", b"2001:db8::1", b"fe80::1%4", b"Authentication-Results: ",
             b"spf=pass ", b"dkim=", b"i=1; ", b"X-Forefront-Antispam-Report: ", b"SCL:5;", b"CIP:", b"\x00",
             b"Content-Type: multipart/report; boundary=b\r\n\r\n", b"--b\r\n", b"--b--", b"message/rfc822\r\n\r\n",
             b"Content-Type: message/delivery-status\r\n\r\n", b"Final-Recipient: rfc822; a@b\r\n",
             b"Status: 5.7.1\r\n",
             b"Diagnostic-Code: smtp; 550 5.7.1 [2a01:111:f403::1 12] ", b"Original message headers:\r\n\r\n",
             b"=?utf-8?B?", b"?=", b"\xff", b"\xe9"]


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=40), max_size=120))
def test_random_mail_like_bytes(parts: list[bytes]) -> None:
    check(b"".join(parts))


def corpus_files() -> list[Path]:
    return sorted(MAILDIR.glob("*.eml")) if MAILDIR.is_dir() else []


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["flip", "delete", "duplicate", "insert", "crlf", "cr", "truncate", "nul"]),
              st.integers(min_value=0, max_value=1 << 30), st.integers(min_value=0, max_value=4096),
              st.binary(max_size=64)),
    min_size=1, max_size=6,
)


def mutate(data: bytes, ops: list[tuple[str, int, int, bytes]]) -> bytes:
    for op, pos, length, blob in ops:
        if not data:
            data = blob
            continue
        i = pos % len(data)
        j = min(len(data), i + length)
        if op == "flip":
            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
        elif op == "delete":
            data = data[:i] + data[j:]
        elif op == "duplicate":
            data = data[:j] + data[i:j] + data[j:]
        elif op == "insert":
            data = data[:i] + blob + data[i:]
        elif op == "crlf":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        elif op == "cr":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
        elif op == "truncate":
            data = data[:i]
        else:
            data = data[:i] + b"\x00" * (length % 64) + data[i:]
    return data


@SETTINGS
@given(st.data())
def test_mutated_corpus_samples(data: st.DataObject) -> None:
    files = corpus_files()
    require(f"the shared corpus at {CORPUS}", bool(files))
    path = data.draw(st.sampled_from(files), label="sample")
    check(mutate(path.read_bytes(), data.draw(MUTATIONS, label="mutations")))


@pytest.mark.parametrize("name", ["lhost-office365-01.eml", "lhost-postfix-58.eml", "lhost-gmail-01.eml",
                                  "lhost-exim-01.eml", "rhost-outlook-09.eml"])
def test_every_prefix_of_a_real_bounce(name: str) -> None:
    path = MAILDIR / name
    require(f"{path}", path.is_file())
    raw = path.read_bytes()
    for cut in range(0, len(raw), max(1, len(raw) // 60)):
        check(raw[:cut])


# The header parsers on their own: any text in, a bounded record out.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=3000)


@SETTINGS
@given(TEXT)
def test_parse_received_any_text(value: str) -> None:
    hop = parse_received(value)
    assert len(hop.raw) <= 2048
    assert hop.from_ip is None or ":" in hop.from_ip or hop.from_ip.count(".") == 3


@SETTINGS
@given(st.sampled_from(AUTH_HEADERS), TEXT)
def test_parse_auth_any_text(header: str, value: str) -> None:
    results = parse_auth_header(header, value)
    assert len(results) <= 32
    assert all(r.method and r.header == header for r in results)


@SETTINGS
@given(TEXT)
def test_antispam_and_diagnostic_any_text(value: str) -> None:
    assert len(parse_forefront(value)) <= 100
    msg = headers_from_text(f"X-Forefront-Antispam-Report: {value}\nX-Microsoft-Antispam: {value}\n")
    antispam_of(msg)
    hit = from_diagnostic(value)
    assert hit is None or hit[0] in value or ":" in hit[0]


@SETTINGS
@given(TEXT)
def test_pasted_headers_any_text(value: str) -> None:
    pasted_headers("Original message headers:\n\n" + value)
    pasted_headers(value)
