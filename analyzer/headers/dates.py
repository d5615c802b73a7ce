"""RFC 5322 dates as ISO 8601 text: what `email.utils.parsedate_to_datetime(value).isoformat()` gives.

`iso_date` reads the common form ("Mon, 3 Jun 2024 10:00:05 +0200", optionally with a trailing
"(CEST)" comment) directly and leaves every other form to the stdlib, with the stdlib's result in
both cases (tests/test_dates.py compares them): parsedate_to_datetime was a tenth of the cost of
reading a message's and its original's dates.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS = {m: n for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), start=1)}
# Single spaces, a real day name or none, a year from 1000 (the stdlib moves two-digit years), a numeric zone.
_COMMON = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
                     r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([12]\d{3}) "
                     r"(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})(?: \([^()]{0,40}\))?")
_ZONES: dict[str, timezone | None] = {}


def iso_date(value: str | None) -> str | None:
    """The date as ISO 8601 text; the value itself when it is not a date the stdlib reads; None when empty."""
    if not value:
        return None
    m = _COMMON.fullmatch(value)
    if m is None:
        try:
            return parsedate_to_datetime(value).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            return value
    day, month, year, hour, minute, second, zone = m.groups()
    try:
        tz = _zone(zone)
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                        tzinfo=tz).isoformat()
    except ValueError:  # the stdlib raises the same (a day, hour or zone out of range)
        return value


def _zone(zone: str) -> timezone | None:
    """The stdlib's zone of "+HHMM": None for -0000 (RFC 5322 3.3: unknown), else a fixed offset."""
    if zone in _ZONES:
        return _ZONES[zone]
    number = int(zone)
    tz: timezone | None
    if number == 0 and zone[0] == "-":
        tz = None
    else:
        seconds = (abs(number) // 100) * 3600 + (abs(number) % 100) * 60
        tz = timezone(timedelta(seconds=-seconds if number < 0 else seconds))  # raises ValueError beyond a day
    if len(_ZONES) < 4000:
        _ZONES[zone] = tz
    return tz
