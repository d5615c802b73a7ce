"""The report files: XLSX (sheets, types, frozen header, autofilter, chart, no formulas), CSV, JSON,
and the `ndr report` command line (help, periods, errors)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from reports.build import build_report
from reports.model import Period, Report, ReportOptions
from reports.networks import NetworkTable
from reports.write import write_formats
from tests.scanhelp import ndr
from tests.test_aggregate import M365_A, RELAY, row

PERIOD = Period.days(date(2025, 3, 16), date(2025, 3, 29))
SHEETS = ["summary", "clusters", "daily", "daily_wide", "failures"]


@pytest.fixture(scope="module")
def report() -> Report:
    rows = [row(16 + i % 14, M365_A, "requireptr", f"u{i}@gmail.com", hour=8 + i % 10) for i in range(30)]
    rows += [row(18 + i % 5, RELAY, "blocked", f"b{i}@example.net", blocklist="zen.spamhaus.org") for i in range(8)]
    rows += [row(20, RELAY, "speeding", f"d{i}@gmail.com", action="delayed", status="4.7.28") for i in range(4)]
    rows += [row(3, M365_A, "requireptr", f"p{i}@gmail.com") for i in range(40)]  # previous period: a drop
    return build_report(rows, period=PERIOD, options=ReportOptions(), networks=NetworkTable(),
                        generated_at=datetime(2025, 3, 30, 6, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def out(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("files")
    written, errors = write_formats(report, target, ["csv", "xlsx", "html", "json"])
    assert errors == []
    assert sorted(p.name for p in written) == sorted(
        ["clusters.csv", "daily.csv", "daily_wide.csv", "failures.csv", "report.xlsx", "report.html", "report.json"])
    assert not [p for p in target.iterdir() if p.name.startswith(".ndr-")]  # temporary folders are gone
    return target


def test_xlsx_sheets_header_and_filter(out: Path, report: Report) -> None:
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames == SHEETS
    for name in SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", name
        assert all(c.font.b for c in ws[1]), f"{name}: header not bold"
        assert ws.column_dimensions["A"].width >= 8
    assert [c.value for c in wb["clusters"][1]][:6] == ["id", "type", "prefix", "prefix_wide", "network", "reason"]
    assert wb["failures"].max_row == 1 + len(report.failures)


def test_xlsx_types(out: Path) -> None:
    wb = openpyxl.load_workbook(out / "report.xlsx")
    failures = wb["failures"]
    head = [c.value for c in failures[1]]
    first = dict(zip(head, failures[2], strict=True))
    assert isinstance(first["date"].value, datetime)
    assert first["date"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["date"].value == datetime(2025, 3, 16, 8, 0)  # UTC, written without a zone
    assert first["hard"].data_type == "b"
    clusters = wb["clusters"]
    head = [c.value for c in clusters[1]]
    c1 = dict(zip(head, clusters[2], strict=True))
    assert isinstance(c1["failures"].value, int) and c1["failures"].value == 30
    assert isinstance(c1["change"].value, int) and c1["change"].value == -10  # a negative number, not text
    assert c1["change_pct"].data_type == "n" and c1["change_pct"].value == -25.0
    assert isinstance(c1["first_seen"].value, datetime)
    daily_wide = wb["daily_wide"]
    assert isinstance(daily_wide["A2"].value, datetime) and daily_wide["A2"].number_format == "yyyy-mm-dd"
    assert daily_wide["A2"].value == datetime(2025, 3, 16)
    assert all(isinstance(c.value, int) for c in daily_wide[2][1:])
    assert daily_wide.max_row == 15  # header + 14 days
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for r in ws.iter_rows() for c in r), ws.title


def test_xlsx_line_chart_of_the_daily_trend(out: Path) -> None:
    ws = openpyxl.load_workbook(out / "report.xlsx")["summary"]
    charts = ws._charts
    assert len(charts) == 1
    chart = charts[0]
    assert chart.tagname == "lineChart"
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["'daily_wide'!$B$2:$B$15", "'daily_wide'!$C$2:$C$15",  # requireptr, blocked
                    "'daily_wide'!$E$2:$E$15"]  # delays (the failures total is not drawn)
    assert chart.series[0].tx.strRef.f == "'daily_wide'!B1"  # named by the header
    assert chart.series[0].cat.numRef.f == "'daily_wide'!$A$2:$A$15"


def test_xlsx_opens_in_libreoffice(out: Path, tmp_path: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice not installed (optional check)")
    done = subprocess.run([office, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path),
                           str(out / "report.xlsx")], capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "Bounce" in (tmp_path / "report.csv").read_text(encoding="utf-8", errors="replace") or \
        (tmp_path / "report.csv").stat().st_size > 0


def test_csv_layout(out: Path) -> None:
    wide = list(csv.reader(io.StringIO((out / "daily_wide.csv").read_text(encoding="utf-8-sig"))))
    assert wide[0] == ["date", "requireptr", "blocked", "failures", "delays"]
    assert wide[1] == ["2025-03-16", "3", "0", "3", "0"]
    assert len(wide) == 15
    daily = list(csv.DictReader(io.StringIO((out / "daily.csv").read_text(encoding="utf-8-sig"))))
    assert {d["by"] for d in daily} == {"reason", "prefix", "domain", "provider"}
    assert {d["type"] for d in daily} == {"failure", "delay"}
    failures = list(csv.DictReader(io.StringIO((out / "failures.csv").read_text(encoding="utf-8-sig"))))
    assert failures[0]["date"] == "2025-03-16 08:00:00"
    assert failures[0]["hard"] == "false"
    assert failures[0]["cluster"] == "C001"
    assert failures[0]["network"] == "Microsoft 365 outbound (2a01:111:f403::/48)"
    clusters = list(csv.DictReader(io.StringIO((out / "clusters.csv").read_text(encoding="utf-8-sig"))))
    assert clusters[0]["change"] == "-10" and clusters[0]["trend"] == "down"  # numbers stay numbers
    assert (out / "failures.csv").read_bytes().count(b"\r\n") == len(failures) + 1


def test_json_document(out: Path) -> None:
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["ndr_report"] == 1
    assert doc["period"] == {"start": "2025-03-16T00:00:00+00:00", "end": "2025-03-30T00:00:00+00:00",
                             "label": "2025-03-16 .. 2025-03-29"}
    assert doc["headline"]["failures"] == 38 and doc["headline"]["delays"] == 4
    assert doc["headline"]["previous_failures"] == 40
    assert [c["id"] for c in doc["clusters"]] == ["C001", "C002", "C003"]
    assert doc["clusters"][0]["first_seen"] == "2025-03-16T08:00:00+00:00"
    assert doc["daily_wide"][0]["date"] == "2025-03-16"
    assert len(doc["failures"]) == 42
    assert doc["samples"]["C001"][0]["count"] == 30


def test_report_help_has_examples() -> None:
    ran = ndr("report", "--help")
    assert ran.code == 0
    assert "Examples:" in ran.out and "ndr report --since 7d" in ran.out
    assert "--prefix-v6" in ran.out and "--format" in ran.out


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "7d", "--from", "2025-03-01"], "--since cannot be combined"),
    (["--to", "2025-03-01"], "--to needs --from"),
    (["--from", "2025-03-10", "--to", "2025-03-01"], "is before --from"),
    (["--since", "soon"], "expected a duration"),
    (["--format", "csv,pdf"], "unknown format 'pdf'"),
])
def test_report_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    store = tmp_path / "none.sqlite3"
    ran = ndr("report", "--store", str(store), "--out", str(tmp_path / "o"), *args)
    assert ran.code == 2
    assert message in ran.err


def test_report_without_a_store_exits_2(tmp_path: Path) -> None:
    ran = ndr("report", "--store", str(tmp_path / "missing.sqlite3"), "--out", str(tmp_path / "o"))
    assert ran.code == 2
    assert "no store yet" in ran.err


def test_unwritable_output_is_reported(report: Report, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    from reports.write import ReportError
    with pytest.raises(ReportError, match="cannot create the report directory"):
        write_formats(report, blocker / "sub", ["csv"])


def test_scan_writes_the_configured_reports(tmp_path: Path) -> None:
    from ndr.demo.generate import write_mbox
    from tests.scanhelp import toml_source, write_config

    mbox = tmp_path / "bounces.mbox"
    write_mbox(mbox, 40, end=date(2025, 3, 31))
    out = tmp_path / "reports"
    cfg = write_config(tmp_path, toml_source("bounces", "mbox", mbox))
    cfg.write_text(cfg.read_text() + f'\n[report]\nout = "{out}"\nformats = ["csv", "json"]\nsince = "36500d"\n'
                   '\n[networks]\n"our relay" = ["203.0.113.25"]\n')
    ran = ndr("scan", "--config", str(cfg), "-q")
    assert ran.code == 0, ran.err
    assert f"reports: 5 files in {out}" in ran.out
    assert sorted(p.name for p in out.iterdir()) == ["clusters.csv", "daily.csv", "daily_wide.csv", "failures.csv",
                                                   "report.json"]
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["headline"]["failures"] + doc["headline"]["delays"] == 40
    assert any(c["network"] == "our relay (203.0.113.25/32)" for c in doc["clusters"])
    cfg.write_text(cfg.read_text().replace(f'out = "{out}"', 'out = "relative/dir"'))
    again = ndr("scan", "--config", str(cfg), "-q")  # a relative out is taken from the config file's directory
    assert again.code == 0 and f"reports: 5 files in {cfg.parent / 'relative' / 'dir'}" in again.out
