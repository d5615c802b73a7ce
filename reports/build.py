"""Build a Report from failure rows (the store contract's dicts) or straight from a store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

import pandas as pd

from reports.aggregate import KEYS, clusters
from reports.frame import DELAY, FAILURE, UNKNOWN_PREFIX, enrich, raw_frame, split_periods
from reports.model import Headline, Period, Report, ReportOptions
from reports.networks import NetworkTable
from reports.trends import daily_long, daily_wide

# failures.csv and friends: one row per failed or delayed recipient.
FAILURE_COLUMNS: tuple[str, ...] = (
    "date", "type", "source", "recipient", "domain", "status", "replycode", "reason", "hard", "sending_ip",
    "prefix", "network", "cluster", "provider", "remote_mta", "reporter", "blocklist", "diagnostic",
    "original_message_id", "original_subject", "envelope_sender", "envelope_source",
)


class FailureSource(Protocol):
    """What reports need from a store (see docs/ARCHITECTURE.md, "The store contract")."""

    def iter_failures(self, since: str | None, until: str | None,
                      sources: list[str] | None) -> Iterator[dict[str, object]]: ...


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with seconds, as the store writes dates: '2025-03-01T00:00:00+00:00'."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def report_from_store(store: FailureSource, *, period: Period, options: ReportOptions, networks: NetworkTable,
                      generated_at: datetime, sources: Sequence[str] | None = None) -> Report:
    """Read the current and the previous period from the store and build the report."""
    previous = period.previous()
    rows = store.iter_failures(iso(previous.start), iso(period.end), list(sources) if sources else None)
    return build_report(rows, period=period, options=options, networks=networks, generated_at=generated_at,
                        sources=tuple(sources or ()))


def build_report(rows: Iterable[Mapping[str, object]], *, period: Period, options: ReportOptions,
                 networks: NetworkTable, generated_at: datetime, sources: tuple[str, ...] = ()) -> Report:
    """Aggregate rows covering (at least) the previous and the current period into a Report."""
    raw = raw_frame(rows)
    frame = enrich(raw, options, networks)
    previous = period.previous()
    current, before = split_periods(frame, pd.Timestamp(previous.start), pd.Timestamp(period.start),
                                    pd.Timestamp(period.end))
    table, samples = clusters(current, before)
    failures = _failures_table(current, table)
    is_failure = current["type"] == FAILURE
    hard = current[is_failure]
    headline = Headline(
        failures=int(is_failure.sum()),
        delays=int((current["type"] == DELAY).sum()),
        recipients=int(hard["recipient"].nunique()),
        domains=int(hard["domain"].nunique()),
        prefixes=int(hard.loc[hard["prefix"] != UNKNOWN_PREFIX, "prefix"].nunique()),
        clusters=int((table["type"] == FAILURE).sum()) if not table.empty else 0,
        previous_failures=int((before["type"] == FAILURE).sum()),
        previous_delays=int((before["type"] == DELAY).sum()),
        undated=len(raw) - len(frame),
    )
    seen_sources = tuple(sorted({str(s) for s in current["source"].dropna()}))
    return Report(
        period=period, previous=previous, options=options, generated_at=generated_at,
        sources=sources or seen_sources, headline=headline, failures=failures, clusters=table,
        daily=daily_long(current, options.top), daily_wide=daily_wide(current, period), samples=samples,
    )


def _failures_table(current: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    if current.empty:
        return pd.DataFrame(columns=list(FAILURE_COLUMNS))
    ids = {(r["type"], r["prefix"], r["reason"]): r["id"] for r in table[[*KEYS, "id"]].to_dict("records")}
    out = current.copy()
    out["date"] = out["at"]
    out["cluster"] = [ids.get(k) for k in zip(out["type"], out["prefix"], out["reason"], strict=True)]
    out = out.sort_values(["at", "recipient"], kind="stable", na_position="last")
    return out[list(FAILURE_COLUMNS)].reset_index(drop=True)
