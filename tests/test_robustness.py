"""Hostile input is normal input: never raise, stay bounded, stop at documented limits with a defect.

No wall-time assertions: the work is shown to be bounded by what reaches each stage (sizes and call
counts), and by comparing a hostile input with the prefix that the limits let through. The times of
these inputs are printed by bench/robustness.py.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

import analyzer.headers.received as received_module
from analyzer import analyze, limits
from analyzer.serialize import to_dict, to_json
from tests.hostile import big_message, bounce, long_diagnostic, many_parts, many_received, nested_rfc822

analyze_module = importlib.import_module("analyzer.analyze")  # the module (the package exports the function)
SAMPLES = Path(__file__).parent / "samples"
LINE_ENDING_SAMPLES = [*sorted((SAMPLES / "not-bounce").glob("*.eml")), SAMPLES / "malformed" / "missing-boundary.eml"]


def _view(data: bytes) -> dict[str, Any]:
    return to_dict(analyze(data), source="x")


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


@pytest.mark.parametrize("path", LINE_ENDING_SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["crlf", "cr"])
def test_line_endings_do_not_change_the_analysis(path: Path, ending: bytes) -> None:
    lf = _lf(path.read_bytes())
    assert _view(lf.replace(b"\n", ending)) == _view(lf)


def test_mbox_from_line_and_escaped_from() -> None:
    data = b"From MAILER-DAEMON Mon Jun  3 10:00:00 2024\n" + _lf(bounce())
    a = analyze(data)
    assert a.kind.value == "bounce" and [r.recipient for r in a.recipients] == ["bob@example.org"]


def test_nul_bytes_are_removed_with_a_defect() -> None:
    a = analyze(bounce().replace(b"Delivery failed.", b"Delivery\x00 failed.\x00"))
    assert "NUL bytes removed" in a.defects
    assert a.kind.value == "bounce"


@pytest.mark.parametrize("damage", [
    lambda d: d.replace(b"--B--", b""),  # no closing boundary
    lambda d: d.replace(b'boundary="B"', b'boundary="Z"'),  # boundary never used
    lambda d: d.replace(b'; boundary="B"', b""),  # multipart without boundary
    lambda d: d.replace(b"Content-Type: text/plain\r\n", b"Content-Type: text/plain\r\nContent-Transfer-Encoding: "
                                                         b"base64\r\n"),  # text that is not base64
    lambda d: d.replace(b"Content-Type: text/plain\r\n", b"Content-Type: text/plain; charset=\"no-such\"\r\n"),
    lambda d: d[: len(d) // 2],  # cut in the middle
    lambda d: d.replace(b"\r\n\r\n", b"\r\n", 1),  # no blank line after the headers
])
def test_broken_mime_never_raises(damage: Any) -> None:
    a = analyze(damage(bounce()))
    assert a.kind.value in ("bounce", "not_bounce", "error")
    json.loads(to_json(a))


def test_20_mb_message_is_cut_at_the_documented_limit() -> None:
    data = big_message(20 * 1024 * 1024)
    a = analyze(data)
    assert any(str(limits.MAX_MESSAGE_BYTES) in d for d in a.defects)
    # Everything after the limit was ignored: the analysis is that of the first MAX_MESSAGE_BYTES bytes.
    assert to_dict(a) == to_dict(analyze(data[: limits.MAX_MESSAGE_BYTES + 1]))
    assert [r.recipient for r in a.recipients] == ["bob@example.org"]


def test_5_mb_single_line_diagnostic_is_bounded(monkeypatch: pytest.MonkeyPatch, reran_pure: bool) -> None:
    seen: list[int] = []
    if not reran_pure:  # a spy on classify (a compiled analyzer: the child pytest ran this on a pure copy)
        real = analyze_module.classify

        def spy(**kw: Any) -> Any:
            seen.append(len(kw.get("diagnostic") or ""))
            return real(**kw)

        monkeypatch.setattr(analyze_module, "classify", spy)
    a = analyze(long_diagnostic(5 * 1024 * 1024))
    assert any(str(limits.MAX_MESSAGE_BYTES) in d for d in a.defects)
    if not reran_pure:
        assert seen and max(seen) <= limits.MAX_DIAGNOSTIC_CHARS + 1  # the classifier only sees the clipped text
    assert all(len(r.diagnostic or "") <= limits.MAX_DIAGNOSTIC_CHARS + 1 for r in a.recipients)
    assert len(to_json(a)) < 64 * 1024


def test_10000_received_headers_stop_at_max_received(monkeypatch: pytest.MonkeyPatch, reran_pure: bool) -> None:
    calls = 0
    if not reran_pure:  # a counting spy (a compiled analyzer: the child pytest ran this on a pure copy)
        real = received_module._fields  # one call per Received header parsed

        def counting(value: object) -> Any:
            nonlocal calls
            calls += 1
            return real(value)

        monkeypatch.setattr(received_module, "_fields", counting)
    a = analyze(many_received(10_000))
    assert len(a.hops) == limits.MAX_RECEIVED
    if not reran_pure:
        assert calls == limits.MAX_RECEIVED  # the 9,800 older headers are never parsed
    assert any("10000 Received headers" in d for d in a.defects)
    assert a.hops[-1].from_host == "h0.example.net"  # the newest (topmost) header is kept


def test_long_received_header_is_clipped() -> None:
    value = "from a.example.net (a.example.net [192.0.2.1]) by b.example.org with ESMTP" + " (x)" * 100_000
    a = analyze(bounce(headers=f"Received: {value}; Mon, 3 Jun 2024 10:00:00 +0000\r\n"))
    assert a.hops[0].from_ip == "192.0.2.1"
    assert a.hops[0].at is None  # the date was past the clipped part


@pytest.mark.parametrize("depth", [100, 2000])
def test_deeply_nested_rfc822_never_raises(depth: int) -> None:
    a = analyze(nested_rfc822(depth))
    assert a.kind.value in ("bounce", "not_bounce", "error")
    assert len(to_json(a)) < 64 * 1024
    if depth > 900:  # deeper than Python's parser can follow: recorded, not raised
        assert any("RecursionError" in d or "nesting" in d for d in a.defects)


def test_many_mime_parts_stop_at_max_parts() -> None:
    a = analyze(many_parts(2 * limits.MAX_PARTS))
    assert any(f"more than {limits.MAX_PARTS} MIME parts" in d for d in a.defects)


def test_many_authentication_headers_stop_at_the_limit() -> None:
    headers = "".join(f"Authentication-Results: h{i}.example.org; spf=pass\r\n" for i in range(5000))
    a = analyze(bounce(headers=headers))
    assert len(a.auth) == limits.MAX_AUTH_HEADERS
    assert any("5000 authentication headers" in d for d in a.defects)


def test_huge_header_values_are_bounded() -> None:
    a = analyze(bounce(headers="Subject: " + "x" * 3_000_000 + "\r\n"))
    assert a.subject is not None and len(a.subject) <= limits.MAX_HEADER_CHARS


@pytest.mark.parametrize("data", [b"", b"\r\n", b"\x00" * 1000, b"From \n", b":" * 10_000, b"\xff\xfe" * 5000,
                                  b"Content-Type: multipart/report; boundary=\r\n\r\n--\r\n--\r\n"])
def test_degenerate_inputs(data: bytes) -> None:
    a = analyze(data)
    json.loads(to_json(a))
