"""No input makes analysis slower than linear in its size.

Pathological fillers (a long unbroken word, runs of brackets, digits, colons, dots, blank lines, ...)
are put into real-looking bounces of several formats (golden samples: each format's detector reads
its own text), at size n and 8n; the time analyze() spends on the filler (the time minus that of the
same message without it) must grow about linearly: the ratio stays under 3x the size ratio. Also deep
nesting, many recipients, many Received headers and one huge header; for the MIME parse, many parts,
boundary lines and near misses, nested unclosed multiparts, blank-line runs in a delivery-status part,
long folded headers. The ratio is measured within one
run (best of a few repetitions); wall time itself is never asserted. A quadratic regex shows a ratio
near 64 here, and one that re-reads the rest of a run of blank lines at each line did (5 s for 2,000
blank lines in an Exchange NDR, before ^\\s* labels were made linear).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer import analyze
from tests import hostile

SAMPLES = Path(__file__).parent / "samples"
N = 500  # filler characters at the small size (the large one stays under the 4096 kept of a diagnostic)
GROWTH = 8  # the large size is GROWTH * N
BOUND = 3 * GROWTH  # allowed ratio of the filler's time, large / small
FLOOR_S = 0.0005  # the small size's filler time is taken as at least this (timer noise on tiny values)
REPEAT = 3  # best of REPEAT timings

# One sample per family of text readers (each detector reads its own format's text).
TEMPLATES = (
    "office365/old-layout-gmail-ipv6-ptr.eml", "office365/new-layout-gmail-dmarc.eml",
    "gmail/new-layout-address-not-found.eml", "postfix/delayed-connection-timed-out.eml", "exim/user-unknown.eml",
    "sendmail/user-unknown.eml", "qmail/user-unknown.eml", "amazonses/sns-json-blocked.eml", "fml/not-member.eml",
    "zoho/invalid-address.eml", "malformed/sendmail-missing-content-type.eml", "malformed/boundary-not-found.eml",
    "malformed/forwarded-inline-bounce.eml", "not-bounce/m365-to-gmail-delivered.eml",
)
FILLERS = {
    "long word": "a", "digits": "1", "colons": ":", "dots": ".", "dotted word": "a.", "dotted digits": "1.",
    "ip-like": "1.2.", "hex-colons": "a:", "open brackets": "[", "close brackets": "]", "parentheses": "(",
    "angle brackets": "<", "at signs": "a@", "blank lines": "\n", "crlf lines": "\r\n", "indented lines": "\n ",
    "spaces": " ", "dashes": "-", "equals": "=", "semicolons": ";", "quotes": '"', "soft breaks": "=\n",
    "bracketed ips": "[192.0.2.1 ", "addresses": "<a@example.com> ", "words": "a ",
}


def _templates() -> list[bytes]:
    out = []
    for name in TEMPLATES:
        path = SAMPLES / name
        if path.exists():  # samples may be renamed; the set stays broad
            out.append(path.read_bytes().replace(b"\r\n", b"\n"))
    assert len(out) >= 10
    return [*out, hostile.bounce().replace(b"\r\n", b"\n")]


def with_filler(data: bytes, filler: bytes) -> bytes:
    """The filler at the start and in the middle of the body, in a header, in a Received header and in
    the diagnostic (the DSN's Diagnostic-Code, or a bounce of its own when the sample has none)."""
    line = filler.replace(b"\n", b" ")
    diag = data.find(b"Diagnostic-Code:")
    if diag >= 0:
        at = data.find(b";", diag, diag + 40) + 1 or diag + 16
        data = data[:at] + b" " + line + b" " + data[at:]
    end = data.find(b"\n\n")
    assert end > 0
    mid = data.rfind(b"\n", end + 2, (end + len(data)) // 2) + 1 or end + 2
    return (b"Received: from " + line + b" by mx.example.net; Mon, 3 Jun 2024 10:00:00 +0000\n"
            + data[:end + 1] + b"X-Note: " + line + b"\n" + data[end + 1: end + 2] + filler + b"\n"
            + data[end + 2: mid] + filler + b"\n" + data[mid:])


def _seconds(messages: list[bytes]) -> float:
    """The sum over the messages of each one's best time (robust to a pause of the machine)."""
    total = 0.0
    for data in messages:
        best = float("inf")
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            analyze(data)
            best = min(best, time.perf_counter() - t0)
        total += best
    return total


def _ratio(make: Callable[[int], list[bytes]]) -> tuple[float, float, float]:
    """(ratio of the filler's time at GROWTH*N and at N, small time, large time); make(0) is the baseline.

    Measured again (up to three times) when a ratio is over the bound: a busy machine can slow one
    measurement, a super-linear path is slow every time.
    """
    result = (0.0, 0.0, 0.0)
    for _ in range(3):
        base = _seconds(make(0))
        small = _seconds(make(N)) - base
        large = _seconds(make(GROWTH * N)) - base
        result = (large / max(small, FLOOR_S), small, large)
        if result[0] < BOUND:
            break
    return result


@pytest.mark.parametrize("filler", FILLERS)
def test_pathological_filler_costs_linear_time(filler: str) -> None:
    templates = _templates()
    unit = FILLERS[filler].encode()

    def make(size: int) -> list[bytes]:
        return [with_filler(t, unit * (size // len(unit))) if size else t for t in templates]

    ratio, small, large = _ratio(make)
    assert ratio < BOUND, f"{filler}: {small * 1e3:.1f} ms -> {large * 1e3:.1f} ms (x{ratio:.1f})"


def _dsn_recipients(count: int) -> bytes:
    blocks = "".join(f"Final-Recipient: rfc822; user{i}@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                     f"Diagnostic-Code: smtp; 550 5.1.1 <user{i}@example.org>: user unknown\r\n\r\n"
                     for i in range(count))
    data = hostile.bounce().decode()
    return data.replace("Final-Recipient: rfc822; bob@example.org", blocks + "Final-Recipient: rfc822; bob@example.org",
                        1).encode()


def _multipart(body: str, boundary: str = "B") -> bytes:
    """A multipart/mixed message around `body` (which holds its own boundary lines)."""
    return (f"From: a@example.net\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n{body}--{boundary}--\r\n").encode()


def _nested_open_multiparts(count: int) -> bytes:
    """`count` multiparts nested inside each other, none closed, each part's text full of near-miss lines of
    every enclosing boundary (each line is checked against all of them)."""
    body = ""
    for i in range(count):
        body += (f"--N{i}\r\nContent-Type: multipart/mixed; boundary=\"N{i + 1}\"\r\n\r\n"
                 + "".join(f"--N{j}x\r\n" for j in range(i + 1)))
    return _multipart(body, "N0")


# The fast MIME parse (analyzer.fastmime): boundary lines and near misses, blank-line runs in a
# delivery-status part, long continuations, a long line after a boundary prefix.
PARSER_STRUCTURES: dict[str, Callable[[int], bytes]] = {
    "many MIME parts": lambda n: _multipart("".join(f"--B\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"
                                                   for i in range(n // 10))),
    "many parts of an inner multipart": lambda n: _multipart(
        "--O\r\nContent-Type: multipart/alternative; boundary=I\r\n\r\n"
        + "".join(f"--I\r\n\r\npart {i}\r\n" for i in range(n // 10)) + "--I--\r\n", "O"),
    "near-miss boundary lines": lambda n: _multipart("--B\r\n\r\n" + "--Bx\r\n--B -\r\n--B--x\r\n" * (n // 10)),
    "repeated boundary lines": lambda n: _multipart("--B\r\n" * (n // 4) + "\r\ntext\r\n"),
    "a long line after a boundary prefix": lambda n: _multipart("--B\r\n\r\n--B" + "x" * n + "\r\n"),
    "nested unclosed multiparts": lambda n: _nested_open_multiparts(max(2, n // 100)),
    "blank-line runs in a delivery-status part": lambda n: hostile.bounce().replace(
        b"Reporting-MTA: dns; mx.example.net\r\n", b"Reporting-MTA: dns; mx.example.net\r\n" + b"\r\n" * (n // 4)),
    "a header folded over many lines": lambda n: hostile.bounce(
        headers="X-Folded: start\r\n" + " more words\r\n" * (n // 12)),
    "a header block of text lines": lambda n: hostile.bounce(text="Header-Like: line\r\n" * (n // 18)),
}

STRUCTURES: dict[str, Callable[[int], bytes]] = {
    **PARSER_STRUCTURES,
    "deep message/rfc822 nesting": lambda n: hostile.nested_rfc822(n // 50),
    "many recipients": lambda n: _dsn_recipients(n // 100),
    "many Received headers": lambda n: hostile.many_received(n // 100),
    "one huge Subject": lambda n: hostile.bounce(headers="Subject: " + "x[1.2.3.4] a.b.c " * (n // 16) + "\r\n"),
    "one huge diagnostic": lambda n: hostile.long_diagnostic(n),
    "one huge Authentication-Results": lambda n: hostile.bounce(
        headers="Authentication-Results: mx.example.net; " + "spf=pass smtp.mailfrom=a.example; " * (n // 34) + "\r\n"),
}


@pytest.mark.parametrize("shape", STRUCTURES)
def test_pathological_structure_costs_linear_time(shape: str) -> None:
    build = STRUCTURES[shape]
    ratio, small, large = _ratio(lambda size: [build(max(size, 100))])
    assert ratio < BOUND, f"{shape}: {small * 1e3:.1f} ms -> {large * 1e3:.1f} ms (x{ratio:.1f})"
