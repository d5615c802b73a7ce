"""The XLSX report of many failures, read back with openpyxl: every row written with the right type
(times as dates with a number format, counts as numbers, flags as booleans, text as inline strings,
formula-like text quote-prefixed), header frozen, autofilter over all rows, the trend chart; and the
row writer's parts (Excel serials as openpyxl computes them, XML escaping, the row limit)."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.datetime import to_excel

import reports.xlsx
from reports.build import build_report
from reports.cells import is_formula_like, plain
from reports.model import Period, Report, ReportOptions
from reports.networks import NetworkTable
from reports.xlsx import write_xlsx
from reports.xlsx_rows import MAX_CELL, ROWS_PER_WRITE, Styles, clean_text, sheet_rows

PERIOD = Period.days(date(2025, 3, 16), date(2025, 3, 29))
ROWS = 3 * ROWS_PER_WRITE + 7  # several chunks and a partial one
# Texts a spreadsheet would evaluate, and texts an XML writer must carry exactly.
RISKY = ["=1+1", "+1 offer", "-2+3", "@SUM(1+1)", "\t=cmd", "  =padded", "\uff1dfull-width", "'quoted", "=",
         '=HYPERLINK("http://example.com","x")']
AWKWARD = ["a & b <c> \"d\" 'e'", " leading", "trailing ", "line\nbreak", "cr\r\nlf", "#N/A", "", "émoji 📨",
           "bell\x07and\x1bescape", "lone\udcffsurrogate\ufffe", "x" * (MAX_CELL + 10), "TRUE", "123", "1e5",
           "2025-03-16"]
STYLES = Styles(day=11, time=12, quoted=13)


def _row(i: int, rnd: random.Random) -> dict[str, object]:
    at = datetime(2025, 3, 16, tzinfo=UTC) + timedelta(seconds=rnd.randrange(14 * 86400), microseconds=i % 7 * 1000)
    delayed = i % 11 == 0
    domain = ("gmail.com", "example.net", "example.org")[i % 3]
    texts = RISKY + AWKWARD
    return {
        "message_id": i, "source": "bounces", "ref": f"ref-{i}", "date": at.isoformat(),
        "kind": "delay" if delayed else "bounce", "reporter": "rfc3464", "recipient": f"u{i}@{domain}",
        "domain": domain, "action": "delayed" if delayed else "failed", "status": "4.7.28" if delayed else "5.7.1",
        "replycode": "550", "reason": ("requireptr", "blocked", "userunknown", "spamdetected")[i % 4],
        "hard": i % 4 == 2, "sending_ip": ("2a01:111:f403:2612::700", "203.0.113.25", "2001:db8::25", None)[i % 4],
        "sending_prefix": None, "blocklist": "zen.spamhaus.org" if i % 4 == 1 else None, "provider": "google",
        "remote_mta": f"mx{i % 5}.{domain}",
        "diagnostic": f"550 5.7.1 [192.0.2.{i % 250}] refused {texts[i % len(texts)]}",
        "rule": "test", "original_message_id": f"<{i}@example.com>", "original_subject": texts[i % len(texts)],
        "original_from": "News <news@example.com>", "envelope_sender": "bounce@example.com",
        "envelope_source": "return-path",
    }


@pytest.fixture(scope="module")
def report() -> Report:
    rnd = random.Random(5)
    rows = [_row(i, rnd) for i in range(ROWS)]
    return build_report(rows, period=PERIOD, options=ReportOptions(), networks=NetworkTable(),
                        generated_at=datetime(2025, 3, 30, 6, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def workbook(report: Report, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    out = tmp_path_factory.mktemp("xlsx")
    assert write_xlsx(report, out) == [out / "report.xlsx"]
    return openpyxl.load_workbook(out / "report.xlsx")


def _expected(value: object, *, day: bool) -> object:
    """What a table value reads back as."""
    v = plain(value)
    if isinstance(v, datetime):
        naive = v.astimezone(UTC).replace(tzinfo=None)
        return datetime.combine(naive.date(), datetime.min.time()) if day else naive
    if isinstance(v, str):
        return clean_text(v) or None  # an empty string is an empty cell
    return v


def test_every_row_read_back_with_its_type(workbook: openpyxl.Workbook, report: Report) -> None:
    assert len(report.failures) == ROWS
    ws = workbook["failures"]
    head = [c.value for c in ws[1]]
    assert head == list(report.failures.columns)
    assert ws.max_row == ROWS + 1
    quoted = 0
    for values, cells in zip(report.failures.itertuples(index=False, name=None),
                             ws.iter_rows(min_row=2), strict=True):
        for name, value, cell in zip(head, values, cells, strict=True):
            want = _expected(value, day=False)
            got = cell.value
            if isinstance(want, datetime):  # a serial number: exact to the millisecond
                assert isinstance(got, datetime), (cell.coordinate, got)
                assert abs(got - want) < timedelta(milliseconds=1), (cell.coordinate, got, want)
                assert cell.number_format == "yyyy-mm-dd hh:mm:ss"
                continue
            assert got == want and type(got) is type(want), (cell.coordinate, name, got, want)
            if isinstance(got, str):
                assert cell.data_type == "s", cell.coordinate
                assert cell.quotePrefix == (is_formula_like(got) or got.startswith("'")), (cell.coordinate, got)
                quoted += cell.quotePrefix
            if isinstance(got, bool):
                assert cell.data_type == "b"
    assert quoted >= ROWS * len(RISKY) // (len(RISKY) + len(AWKWARD))  # the risky subjects, at least


def test_awkward_text_survives(workbook: openpyxl.Workbook) -> None:
    subjects = {c.value for c in next(workbook["failures"].iter_cols(min_row=2, min_col=20, max_col=20))}
    assert workbook["failures"]["T1"].value == "original_subject"
    assert "a & b <c> \"d\" 'e'" in subjects
    assert " leading" in subjects and "trailing " in subjects and "cr\r\nlf" in subjects
    assert "#N/A" in subjects  # text, not an error cell
    assert "bellandescape" in subjects  # control characters removed
    assert "lonesurrogate" in subjects  # and what XML cannot carry (mail decoded with surrogateescape)
    assert "x" * (MAX_CELL - 1) + "…" in subjects  # cut at Excel's limit
    assert "TRUE" in subjects and "123" in subjects  # text that looks like a value stays text


def test_sheets_frozen_filtered_and_charted(workbook: openpyxl.Workbook, report: Report) -> None:
    assert workbook.sheetnames == ["summary", "clusters", "daily", "daily_wide", "failures"]
    for name, frame in (("clusters", report.clusters), ("daily", report.daily), ("daily_wide", report.daily_wide),
                        ("failures", report.failures)):
        ws = workbook[name]
        last = ws.cell(1, len(frame.columns)).column_letter
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{last}{len(frame) + 1}", name
        assert ws.max_row == len(frame) + 1 and ws.max_column == len(frame.columns), name
        assert all(c.font.b for c in ws[1]), name
        assert all(8 <= ws.column_dimensions[ws.cell(1, i).column_letter].width <= 60
                   for i in range(1, len(frame.columns) + 1)), name
        assert all(c.data_type != "f" for r in ws.iter_rows() for c in r), name
    daily = workbook["daily"]
    assert daily["A2"].number_format == "yyyy-mm-dd" and daily["A2"].value == datetime(2025, 3, 16)
    clusters = workbook["clusters"]
    head = [c.value for c in clusters[1]]
    for cells in clusters.iter_rows(min_row=2):
        row = dict(zip(head, cells, strict=True))
        assert isinstance(row["failures"].value, int) and row["failures"].data_type == "n"
        assert isinstance(row["first_seen"].value, datetime)
    summary = workbook["summary"]
    assert [c.value for c in summary["A"]][:2] == ["ndr report", "period (UTC)"]
    assert summary["B6"].value == report.headline.failures
    assert len(summary._charts) == 1 and summary._charts[0].tagname == "lineChart"


def test_rows_beyond_excel_limit_are_left_out(report: Report, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports.xlsx, "MAX_ROWS", 101)  # as if Excel held 100 data rows
    write_xlsx(report, tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "report.xlsx")["failures"]
    assert ws.max_row == 101
    assert ws.auto_filter.ref == "A1:V101"
    assert ws["A101"].value == report.failures["date"][99].tz_convert(None).to_pydatetime()


def _cells(frame: pd.DataFrame, days: list[bool], limit: int = 10**6) -> list[ET.Element]:
    xml = b"".join(sheet_rows(frame, first=2, limit=limit, days=days, styles=STYLES))
    return list(ET.fromstring(b"<sheetData>" + xml + b"</sheetData>"))


def test_serials_match_openpyxl() -> None:
    rnd = random.Random(9)
    moments = [datetime(1900, 1, 1, tzinfo=UTC) + timedelta(seconds=rnd.randrange(10**10),
                                                             microseconds=rnd.randrange(10**6))
               for _ in range(300)]
    moments += [datetime(2025, 3, 16, 23, 59, 59, 999999, tzinfo=UTC), datetime(1900, 3, 1, tzinfo=UTC)]
    for early in (False, True):  # with a day before 1900-03-01: Excel's leap-year bug, converted one by one
        values = moments + ([datetime(1900, 2, 10, 12, tzinfo=UTC)] if early else [])
        frame = pd.DataFrame({"at": pd.to_datetime(values, utc=True), "day": pd.to_datetime(values, utc=True)})
        frame.loc[3, "at"] = pd.NaT
        rows = _cells(frame, [False, True])
        assert len(rows) == len(values)
        for index, (moment, row) in enumerate(zip(values, rows, strict=True)):
            cells = {c.get("r", "")[0]: c for c in row}
            naive = moment.replace(tzinfo=None)
            if index == 3:
                assert "A" not in cells  # a missing time is no cell
            else:
                assert cells["A"].get("s") == "12"
                assert cells["A"][0].text == "%.16g" % to_excel(naive)  # noqa: UP031 - openpyxl's text of a number
            assert cells["B"].get("s") == "11" and cells["B"][0].text == "%.16g" % to_excel(naive.date())  # noqa: UP031


def test_row_xml_types_and_limit() -> None:
    frame = pd.DataFrame({"n": [1, 2, 3], "f": [0.5, float("nan"), -2.0], "b": [True, False, None],
                          "t": ["=1+1", "a<b>&c", None], "o": pd.Series([10, "x", 2.5], dtype=object)})
    rows = _cells(frame, [False] * 5)
    assert [r.get("r") for r in rows] == ["2", "3", "4"]
    first = {c.get("r"): c for c in rows[0]}
    assert first["A2"].get("t") == "n" and first["A2"][0].text == "1"
    assert first["B2"][0].text == "0.5"
    assert first["C2"].get("t") == "b" and first["C2"][0].text == "1"
    assert first["D2"].get("t") == "inlineStr" and first["D2"].get("s") == "13"
    assert first["D2"].findtext("{*}is/{*}t", default=first["D2"].findtext("is/t")) == "=1+1"
    second = {c.get("r"): c for c in rows[1]}
    assert "B3" not in second  # NaN: no cell
    assert second["D3"].findtext("is/t") == "a<b>&c" and second["D3"].get("s") is None
    assert second["E3"].findtext("is/t") == "x"
    third = {c.get("r"): c for c in rows[2]}
    assert set(third) == {"A4", "B4", "E4"}
    assert len(_cells(frame, [False] * 5, limit=2)) == 2
