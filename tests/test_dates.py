"""analyzer.headers.dates.iso_date gives exactly what the stdlib's parsedate_to_datetime(...).isoformat() gives
(or the value itself where the stdlib raises), on real dates and on generated edge cases."""

from __future__ import annotations

import os
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.headers.dates import iso_date

CORPUS = Path(os.environ.get("NDR_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai"))
SAMPLES = Path(__file__).parent / "samples"
_DATE_FIELD = re.compile(rb"^(?:Date|Arrival-Date|Last-Attempt-Date|Will-Retry-Until|Received):(.*(?:\r?\n[ \t].*)*)",
                         re.M | re.I)


def reference(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return value


def _real_dates() -> list[str]:
    out: list[str] = []
    for path in [*sorted((CORPUS / "maildir").rglob("*.eml")), *sorted(SAMPLES.rglob("*.eml"))]:
        for m in _DATE_FIELD.finditer(path.read_bytes()):
            value = " ".join(m.group(1).decode("utf-8", "replace").split())
            out.append(value.rpartition(";")[2].strip() if value.count(";") else value)
    return out


def test_real_dates() -> None:
    dates = _real_dates()
    assert len(dates) > 1000
    wrong = [d for d in dates if iso_date(d) != reference(d)]
    assert not wrong, wrong[:10]


def test_edge_cases() -> None:
    for value in ("Mon, 3 Jun 2024 10:00:05 +0200", "3 Jun 2024 10:00:05 -0000", "Mon, 3 Jun 2024 10:00:05 +0000",
                  "Mon, 3 Jun 2024 10:00:05 +2500", "Mon, 3 Jun 2024 10:00:05 -0075", "Mon, 31 Feb 2024 10:00:05 +0200",
                  "Mon, 3 Jun 2024 24:00:05 +0200", "Mon, 3 Jun 2024 10:00:60 +0200", "Mon, 3 Jun 0099 10:00:05 +0200",
                  "Mon, 3 Jun 1000 10:00:05 +0200", "Mon, 3 jun 2024 10:00:05 +0200", "Mon,  3 Jun 2024 10:00:05 +0200",
                  "Mon, 3 Jun 2024 10:00:05 +0200 (CEST)", "Mon, 3 Jun 2024 10:00:05 +0200 (a (b) c)", "", None,
                  "Mon, 3 Jun 2024 10:00 +0200", "Xyz, 3 Jun 2024 10:00:05 +0200", "Mon, 03 Jun 2024 10:00:05 GMT"):
        assert iso_date(value) == reference(value), value


PARTS = st.tuples(
    st.sampled_from(["", "Mon, ", "Sun, ", "mon, ", "Mon,", "Foo, "]),
    st.sampled_from(["0", "1", "3", "09", "29", "30", "31", "32", "99"]),
    st.sampled_from([" "]),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "jun", "JUN", "Foo"]),
    st.sampled_from([" ", "  "]),
    st.sampled_from(["1999", "2000", "2024", "0099", "1000", "2999", "3000", "99", "24"]),
    st.sampled_from([" 00:00:00", " 23:59:59", " 24:00:00", " 10:60:00", " 10:00:60", " 1:02:03", " 10:00"]),
    st.sampled_from([" +0000", " -0000", " +0200", " -0800", " +2359", " +2400", " -2500", " +0075", " +1", " GMT",
                     " UT", " PDT", "", " +02:00"]),
    st.sampled_from(["", " (CEST)", " (x y)", " (", " ((a))"]),
)


@settings(max_examples=600, deadline=None)
@given(parts=PARTS)
def test_generated_dates(parts: tuple[str, ...]) -> None:
    value = "".join(parts)
    assert iso_date(value) == reference(value), value
