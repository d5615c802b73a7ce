"""Detector gates are necessary conditions: a detector whose gate is closed finds nothing.

analyze() skips a detector whose gate (analyzer.detectors.gate) is closed. That is only right if the
detector would have returned None anyway, so every detector is run on every message here (corpus,
golden samples, the demo generator's mail, hostile builders and mutations of real bounces that break
or disguise the markers gates look for) and none whose gate is closed may find anything; the winner
of the gated scan must be the winner of the full ordered scan. Also the case-folding rules the gates
rely on: a marker a case-insensitive regular expression finds is never missed by `hit`.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.analyze import _OPEN_GATES, _detect
from analyzer.detectors import DETECTORS
from analyzer.detectors.gate import ASCII, ASCII_ONLY, SURE, UNSURE, Clause, Signals, _hit, compile_gates, fold
from analyzer.mime import Parsed, parse
from tests import hostile

SAMPLES = Path(__file__).parent / "samples"
CORPUS = Path(os.environ.get("NDR_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai"))


def _corpus() -> list[Path]:
    return sorted((CORPUS / "maildir").rglob("*.eml")) if CORPUS.exists() else []


def _disguised(data: bytes) -> Iterator[bytes]:
    """The message with its words changed in the ways case-insensitive matching allows, or breaks."""
    yield data.upper()  # every marker in capitals: the regexes still match, gates must still open
    yield data.replace(b"s", "\u017f".encode()).replace(b"i", "\u0131".encode())  # letters re.I folds to s and i
    yield data.replace(b" ", b"  ")  # markers with one space no longer match as written
    yield data.replace(b"\r\n", b"\r")


def inputs() -> Iterator[tuple[str, bytes]]:
    from ndr.demo.generate import generate

    for path in _corpus():
        yield path.name, path.read_bytes()
    for path in sorted(SAMPLES.rglob("*.eml")):
        yield str(path.relative_to(SAMPLES)), path.read_bytes()
    for i, (data, _) in enumerate(generate(300, end=date(2025, 3, 31))):
        yield f"demo-{i}", data
    yield "hostile-received", hostile.many_received(300)
    yield "hostile-nested", hostile.nested_rfc822(20)
    yield "hostile-parts", hostile.many_parts(300)
    yield "hostile-diagnostic", hostile.long_diagnostic(20_000)
    rng = random.Random(7)
    for path in [*_corpus()[::3], *sorted(SAMPLES.rglob("*.eml"))]:
        data = path.read_bytes()
        for n, variant in enumerate(_disguised(data)):
            yield f"{path.name}#{n}", variant
        cut = rng.randrange(len(data))
        yield f"{path.name}#cut", data[:cut]


def _finds(detector_name: str, p: Parsed) -> bool:
    detector = next(d for d in DETECTORS if d.name == detector_name)
    try:
        return detector.detect(p) is not None
    except Exception:
        return False


def test_no_closed_gate_hides_a_finding() -> None:
    checked = 0
    wrong: list[str] = []
    for name, data in inputs():
        p = parse(data)
        signals = Signals(p)
        full = next((d.name for d in DETECTORS if _finds(d.name, p)), None)
        compiled = list(_OPEN_GATES(Signals(p)))
        interpreted = [i for i, d in enumerate(DETECTORS) if signals.opens(d.gate)]
        if compiled != interpreted:
            wrong.append(f"{name}: compiled gates open {compiled}, interpreted {interpreted}")
        for detector in DETECTORS:
            if not signals.opens(detector.gate):
                checked += 1
                if _finds(detector.name, p):
                    wrong.append(f"{name}: {detector.name} finds something behind its closed gate")
        gated, _ = _detect(parse(data))
        if (gated.reporter if gated else None) != full:
            wrong.append(f"{name}: gated scan chose {gated.reporter if gated else None}, full scan {full}")
    assert not wrong, "\n".join(wrong[:20])
    assert checked > 10_000  # the gates do close (else this test proves nothing)


def test_every_detector_has_a_gate_that_opens_on_its_samples() -> None:
    for detector in DETECTORS:
        assert detector.gate, f"{detector.name} has no gate"
        samples = sorted((SAMPLES / detector.name).glob("*.eml"))
        assert samples, detector.name
        for path in samples:
            assert Signals(parse(path.read_bytes())).opens(detector.gate), f"{detector.name}: {path.name}"


def test_fold_levels() -> None:
    assert fold("Mail Delivery") == ("mail delivery", ASCII)
    assert fold("Zustellung verzögert")[1] == SURE
    assert fold("Не удается доставить")[1] == ASCII_ONLY  # Cyrillic о, с, т have case-insensitive twins
    assert fold("Delivery \u017fyſtem")[1] == UNSURE  # U+017F matches "s" under re.I
    assert fold(None) == fold("") == ("", ASCII)


def test_a_clause_needs_every_field() -> None:
    p = parse(b"From: MAILER-DAEMON@example.net\r\nSubject: Returned mail\r\n\r\nThe following address failed:\r\n")
    s = Signals(p)
    assert s.opens((Clause(sender=("mailer-daemon",), text=("following address",)),))
    assert not s.opens((Clause(sender=("mailer-daemon",), text=("not there",)),))
    assert s.opens((Clause(sender=("nobody",)), Clause(subject=("returned mail",))))
    assert not s.opens((Clause(headers=("x-failed-recipients",)),))
    assert s.opens(())


def test_a_dsn_field_clause_opens_on_that_per_message_field() -> None:
    report = (b"From: mailer-daemon@example.net\nContent-Type: multipart/report; report-type=delivery-status;"
              b" boundary=b\n\n--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
              b"Reporting-MTA: dns; mx.example.net\nX-Yandex-Queue-ID: 1\n\nFinal-Recipient: rfc822; a@example.org\n"
              b"Action: failed\nStatus: 5.1.1\n\n--b--\n")
    gates = [(Clause(dsn_fields=("x-yandex-queue-id",)),), (Clause(dsn_fields=("x-postfix-queue-id",)),),
             (Clause(dsn=True, dsn_fields=("reporting-mta", "other")),)]
    expected = [True, False, True]
    for data, answers in ((report, expected), (report.replace(b"X-Yandex", b"X-Other"), [False, False, True]),
                          (b"Subject: no report\n\ntext\n", [False, False, False])):
        s = Signals(parse(data))
        assert [s.opens(g) for g in gates] == answers
        compiled, _ = compile_gates(gates)
        assert list(compiled(Signals(parse(data)))) == [i for i, a in enumerate(answers) if a]


# Letters whose case-insensitive matching str.lower() does not follow (U+017F, U+0131, U+0130, Kelvin, final
# and capital sigma, Cyrillic o and its rounded twin U+1C82, ...) next to ordinary ones.
VALUE_LETTERS = st.sampled_from(list("aiskAISK \u017f\u0131\u0130\u212a\u03c3\u03c2\u03a3\u043e\u041e\u1c82"
                                     "\u00e9\u00c9\u00df\u1e9e"))
MARKER_LETTERS = st.sampled_from(list("aisk \u03c3\u043e\u00e9\u00df"))  # what gate markers may hold


@settings(max_examples=500, deadline=None)
@given(value=st.text(VALUE_LETTERS, max_size=12), marker=st.text(MARKER_LETTERS, min_size=1, max_size=4))
def test_hit_never_misses_a_case_insensitive_match(value: str, marker: str) -> None:
    for pattern in (marker, marker.upper()):  # a detector's literal in any case, re.I
        if re.search(re.escape(pattern), value, re.I):
            assert _hit(fold(value), (marker,), marker.isascii()), (value, pattern)


def test_markers_must_be_canonical_lowercase() -> None:
    for bad in ("Delivery", "\u017ftatus", "\u03c2", "\u1c82"):
        with pytest.raises(ValueError, match="gate marker"):
            Clause(text=(bad,))
    Clause(title=("не удается доставить", "配信不能", "zustellung verzögert"))


@pytest.mark.parametrize("name", ["office365", "postfix", "exim", "gmail", "rfc3464"])
def test_gates_close_on_a_plain_message(name: str) -> None:
    p = parse(b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: lunch\r\n\r\nSee you at noon.\r\n")
    detector = next(d for d in DETECTORS if d.name == name)
    assert not Signals(p).opens(detector.gate)


def test_a_gate_that_fails_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = [SAMPLES / "postfix" / "user-unknown.eml", SAMPLES / "office365" / "old-layout-gmail-ipv6-ptr.eml"]
    expected = [_detect(parse(path.read_bytes()))[0] for path in samples]

    def broken(*_: object) -> None:
        raise RuntimeError("gate")

    monkeypatch.setattr(Signals, "low", broken)  # the compiled gates fail: the rest are tested one by one
    got = [_detect(parse(path.read_bytes()))[0] for path in samples]
    assert [d.reporter if d else None for d in got] == [d.reporter if d else None for d in expected]
    monkeypatch.setattr(Signals, "_read", broken)  # every text test fails too: all gates count as open
    got = [_detect(parse(path.read_bytes()))[0] for path in samples]
    assert [d.reporter if d else None for d in got] == [d.reporter if d else None for d in expected]


def test_text_markers_are_searched_as_weaker_texts() -> None:
    from analyzer.detectors.gate import _searched

    assert _searched(("this message was created automatically by mail delivery software",
                      "this message was created automatically by the smtp relay", "abc", "xabcx")) == (
        "abc", "this message was created automatically by ")
    for detector in DETECTORS:
        for clause in detector.gate:
            searched = _searched(clause.text)
            assert all(any(s in m for s in searched) for m in clause.text), detector.name  # never stronger
            assert not clause.text or any(t[1] == searched for t in clause.tests), detector.name
