"""Records of a report: the period it covers, its options, and the tables it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from reports.dns import DnsResults


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """A half-open UTC time range [start, end)."""

    start: datetime  # inclusive, timezone-aware UTC
    end: datetime  # exclusive, timezone-aware UTC

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty period: {self.start.isoformat()} .. {self.end.isoformat()}")

    @classmethod
    def last(cls, length: timedelta, now: datetime) -> Period:
        """The `length` ending at `now`."""
        return cls(start=now - length, end=now)

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """Whole UTC days from `first` to `last`, both included."""
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return cls(start=start, end=end)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one (for 'change against the previous period')."""
        return Period(start=self.start - self.length, end=self.start)

    def day_list(self) -> list[date]:
        """Every UTC day this period touches, in order."""
        first = self.start.astimezone(UTC).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(UTC).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def label(self) -> str:
        """'2025-03-01 .. 2025-03-30' (the last day included)."""
        days = self.day_list()
        return f"{days[0].isoformat()} .. {days[-1].isoformat()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportOptions:
    """How failures are grouped."""

    prefix_v6: int = 64  # IPv6 cluster prefix length
    prefix_v4: int = 24  # IPv4 cluster prefix length
    wide_v6: int = 48  # the wider IPv6 prefix also shown (provider allocations are often /48)
    top: int = 10  # how many prefixes / domains / providers the trend tables name


@dataclass(frozen=True, slots=True, kw_only=True)
class Headline:
    """The numbers at the top of a report."""

    failures: int  # failed recipients (delays excluded) in the period
    delays: int  # delayed recipients (4.x.x, action delayed) in the period
    recipients: int  # distinct failed recipient addresses
    domains: int  # distinct recipient domains of failures
    prefixes: int  # distinct sending prefixes of failures (unknown excluded)
    clusters: int  # prefix x reason groups of failures
    previous_failures: int  # failures in the previous period of the same length
    previous_delays: int  # delays in the previous period
    undated: int  # rows without a usable date (left out)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Report:
    """Everything the writers need. Tables are pandas DataFrames with stable snake_case columns."""

    period: Period
    previous: Period
    options: ReportOptions
    generated_at: datetime  # when the report was built (UTC)
    sources: tuple[str, ...]  # sources the rows came from (or were restricted to)
    headline: Headline
    failures: pd.DataFrame  # one row per failed or delayed recipient in the period (FAILURE_COLUMNS)
    clusters: pd.DataFrame  # one row per prefix x reason x type (CLUSTER_COLUMNS)
    daily: pd.DataFrame  # long: date, type, by, key, count
    daily_wide: pd.DataFrame  # date x reason pivot of failures, plus total failures and delays
    samples: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # cluster id -> diagnostics, counts
    dns: DnsResults | None = None  # DNS checks of the clusters' sending IPs (None: not asked for, nothing looked up)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Table:
    """One output table: its file/sheet name, its rows, and which columns hold days rather than times."""

    name: str  # "clusters", "daily", "daily_wide", "failures"
    frame: pd.DataFrame
    day_columns: frozenset[str] = frozenset()  # timestamp columns written as dates (YYYY-MM-DD)


def tables(report: Report) -> tuple[Table, ...]:
    """The report's tables in the order every writer uses."""
    day = frozenset({"date"})
    dns = (Table(name="dns_checks", frame=report.dns.table),) if report.dns is not None else ()
    return (
        Table(name="clusters", frame=report.clusters),
        *dns,
        Table(name="daily", frame=report.daily, day_columns=day),
        Table(name="daily_wide", frame=report.daily_wide, day_columns=day),
        Table(name="failures", frame=report.failures),
    )
