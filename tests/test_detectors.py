"""The detector registry: names, order, and that each golden folder is read by the detector it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import analyze
from analyzer.detectors import DETECTORS
from analyzer.mime import parse

SAMPLES = Path(__file__).parent / "samples"
NAMES = [d.name for d in DETECTORS]
DETECTOR_SAMPLES = sorted(p for p in SAMPLES.rglob("*.eml") if p.parent.name in NAMES)


def test_detector_names_are_unique() -> None:
    assert len(NAMES) == len(set(NAMES)), sorted(n for n in NAMES if NAMES.count(n) > 1)


def test_standards_come_after_the_vendor_formats() -> None:
    assert NAMES[-3:] == ["rfc3464", "plaintext", "rfc3834"]


@pytest.mark.parametrize("eml", DETECTOR_SAMPLES, ids=[str(p.relative_to(SAMPLES)) for p in DETECTOR_SAMPLES])
def test_the_folder_names_the_detector_that_reads_the_sample(eml: Path) -> None:
    assert analyze(eml.read_bytes()).reporter == eml.parent.name
    expected = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
    assert expected["reporter"] == eml.parent.name


@pytest.mark.parametrize("data", [
    b"",
    b"\x00\xff" * 100,
    b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n\n"
    b"This is the mail system at host x.",
    b"From: Mail Delivery System <Mailer-Daemon@example.org>\nSubject: Mail delivery failed\n\n"
    b"This message was created automatically by mail delivery software.\nThe following address(es) failed:\n\n  \n",
    b"Subject: failure notice\n\nHi. This is the qmail-send program at x.\n<>:\n\n",
    b"Subject: Returned mail: see transcript for details\n\n----- The following addresses had permanent fatal errors"
    b" -----\n(reason: )\n----- Transcript of session follows -----\n<<<\n>>>\n",
])
def test_every_detector_survives_truncated_and_empty_reports(data: bytes) -> None:
    p = parse(data)
    for detector in DETECTORS:
        detector.detect(p)  # must not raise: analyze() records a defect, but none should be needed


def test_an_unknown_text_bounce_with_auto_submitted_is_not_an_auto_reply() -> None:
    data = (b"From: Mail Delivery System <MAILER-DAEMON@gw.example.org>\nTo: ana@example.org\n"
            b"Subject: Undeliverable: Quarterly figures\nAuto-Submitted: auto-replied\n\n"
            b"Your message could not be delivered to some.one@example.net.\n")
    assert analyze(data).kind.value != "autoreply"


def test_a_vacation_reply_is_an_auto_reply_of_its_sender() -> None:
    data = (b"From: Rita Santos <r.santos@example.com>\nTo: ana@example.org\nSubject: Out of Office: Figures\n"
            b"Auto-Submitted: auto-replied\n\nI am out of the office until Monday.\n")
    a = analyze(data)
    assert (a.kind.value, a.reporter) == ("autoreply", "rfc3834")
    assert [(r.recipient, r.reason.value, r.hard) for r in a.recipients] == [("r.santos@example.com", "vacation", None)]


def test_recipients_stop_at_the_documented_limit_with_a_defect() -> None:
    from analyzer import limits

    head = (b"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\nSubject: Undelivered Mail Returned to Sender"
            b"\n\nThis is the mail system at host mx.example.org.\n\n")
    body = b"".join(b"<user%d@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply "
                    b"to RCPT TO command)\n\n" % i for i in range(limits.MAX_RECIPIENTS + 5))
    a = analyze(head + body)
    assert len(a.recipients) == limits.MAX_RECIPIENTS
    assert f"more than {limits.MAX_RECIPIENTS} recipients: the rest were skipped" in a.defects
    assert a.recipients[-1].recipient == f"user{limits.MAX_RECIPIENTS - 1}@example.net"


@pytest.mark.parametrize("line", [b"-" * 200_000, b"@" * 200_000, b"a" * 150 + b"@" * 5, b"<<< 550 " + b"-" * 200_000])
def test_detector_texts_with_huge_lines_are_read_line_by_line(line: bytes) -> None:
    data = (b"From: MAILER-DAEMON@x.example.org (Mail Delivery System)\nX-NAI-Header: McAfee\nX-AHMAILID: 1\n"
            b"Subject: Returned mail: see transcript for details\n\n"
            b"   ----- The following addresses had permanent fatal errors -----\n" + line + b"\n")
    a = analyze(data)  # bounded work: lines are clipped (textscan.MAX_LINE), gates avoid quadratic patterns
    assert all(len(r.diagnostic or "") <= 4097 for r in a.recipients)
