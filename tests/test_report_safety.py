"""Spreadsheet and HTML safety: a hostile bounce goes through `ndr scan` and `ndr report`; every
cell a spreadsheet would evaluate is neutralised (CSV) or a plain string (XLSX), and the HTML shows
the text literally."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from reports.cells import is_formula_like, neutralise
from tests.scanhelp import ndr, toml_source, write_config

HOSTILE_RCPT = '"=HYPERLINK(""http://example.com"",""x"")"@example.com'
SCRIPT = "<script>alert(1)</script>"
# The attacker writes the refusal text: a script, a spreadsheet function and a closing tag for the JSON block.
HOSTILE_DIAG = f"550 5.7.1 {SCRIPT} @SUM(1+1) </script><img src=x onerror=alert(2)> [203.0.113.66]"


def hostile_bounce() -> bytes:
    return f"""Return-Path: <>
Received: from relay1.example.net (relay1.example.net [203.0.113.25]) by mx.example.com (Postfix)
 with ESMTPS id 4XH; Tue, 18 Mar 2025 10:00:05 +0000
From: MAILER-DAEMON@relay1.example.net (Mail Delivery System)
To: <bounces@example.com>
Subject: =?utf-8?q?=3Dcmd|'/C calc'!A0?=
Date: Tue, 18 Mar 2025 10:00:04 +0000
Message-ID: <hostile.1@relay1.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay1.example.net.

<x@example.com>: host mx1.example.org[192.0.2.25] said: {HOSTILE_DIAG}

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay1.example.net

Final-Recipient: rfc822; {HOSTILE_RCPT}
Action: failed
Status: 5.7.1
Remote-MTA: dns; mx1.example.org
Diagnostic-Code: smtp; {HOSTILE_DIAG}

Final-Recipient: rfc822; -2+3@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 +1 (555) 0100 unknown user	tab

--B
Content-Type: text/rfc822-headers

From: "@SUM(1+1)" <crm@example.com>
To: {HOSTILE_RCPT}
Subject: -1+1 {SCRIPT}
Message-ID: <=1+1@example.com>
Date: Tue, 18 Mar 2025 10:00:00 +0000

--B--
""".replace("\n", "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    mail = tmp / "mail"
    mail.mkdir()
    (mail / "hostile.eml").write_bytes(hostile_bounce())
    cfg = write_config(tmp, toml_source("bounces", "dir", mail))
    scanned = ndr("scan", "--config", str(cfg), "-q")
    assert scanned.code == 0, scanned.err
    out = tmp / "out"
    ran = ndr("report", "--config", str(cfg), "--from", "2025-03-01", "--to", "2025-03-31", "--out", str(out))
    assert ran.code == 0, ran.err
    assert "2 failed recipients" in ran.out
    return out


def test_csv_cells_are_neutralised(reports: Path) -> None:
    raw = (reports / "failures.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2
    by_status = {r["status"]: r for r in rows}
    hostile = by_status["5.7.1"]
    assert hostile["recipient"].startswith("'=HYPERLINK(")
    assert hostile["diagnostic"].startswith("550 5.7.1 <script>")  # not formula-like: left as it is
    assert "@SUM(1+1)" in hostile["diagnostic"]
    assert by_status["5.1.1"]["recipient"] == "'-2+3@example.com"
    assert by_status["5.1.1"]["original_subject"] == "'-1+1 <script>alert(1)</script>"
    assert hostile["original_message_id"] == "<=1+1@example.com>"
    for path in reports.glob("*.csv"):
        for record in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in record:
                assert not is_formula_like(cell) or _is_number(cell), f"{path.name}: {cell!r}"


def _is_number(cell: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None  # e.g. a negative change stays a number


def test_xlsx_has_no_formulas_and_strings_stay_strings(reports: Path) -> None:
    wb = openpyxl.load_workbook(reports / "report.xlsx")
    seen_hostile = False
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix, f"{ws.title}!{cell.coordinate} lacks the quote prefix"
                if cell.value == HOSTILE_RCPT.strip('"').replace('""', '"') or (
                        isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK(")):
                    seen_hostile = True
                    assert cell.data_type == "s"
    assert seen_hostile, "the hostile recipient is in the workbook, as text"


def test_html_shows_hostile_text_literally(reports: Path) -> None:
    page = (reports / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in page  # never raw markup
    assert html.escape(SCRIPT, quote=False) in page  # shown as text
    assert "onerror=alert(2)>" not in page
    data = re.search(r'<script type="application/json" id="ndr-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert "</" not in data.group(1)  # nothing can close the data block early
    clusters = json.loads(data.group(1))["clusters"]
    assert any(c["top_diagnostic"] and SCRIPT in c["top_diagnostic"] for c in clusters)
    assert page.count("<script") == 2  # the data block and ndr's own script, nothing else


def test_json_keeps_the_exact_text(reports: Path) -> None:
    doc = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    recipients = {f["recipient"] for f in doc["failures"]}
    assert '=HYPERLINK("http://example.com","x")"@example.com' in recipients or any(
        r.startswith("=HYPERLINK(") for r in recipients)  # machines get the data unaltered
    assert any(SCRIPT in (f["diagnostic"] or "") for f in doc["failures"])


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("  =1", "'  =1"), ("\uff1d1+1", "'\uff1d1+1"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe
