"""Write the reports a config or the command line asks for: `write_reports(store, config, ...)`.

Used by `ndr report` and at the end of `ndr scan` (when the config's `[report]` has `out`). Each
format's writer is imported only when asked for. Files appear complete or not at all: they are
written in a temporary folder inside the output directory and moved into place.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ndr.errors import NdrError
from reports.build import FailureSource, report_from_store
from reports.config import ReportConfig, parse_duration
from reports.model import Period, Report, ReportOptions
from reports.networks import Network, NetworkTable

if TYPE_CHECKING:
    from ndr.check.config import DnsConfig

WRITERS: dict[str, str] = {
    "csv": "reports.csv:write_csv",
    "xlsx": "reports.xlsx:write_xlsx",
    "html": "reports.html:write_html",
    "json": "reports.json:write_json",
}


class ReportError(NdrError):
    """A report could not be written (output directory not writable, disk full, ...)."""

    exit_code = 1


def writer(fmt: str) -> Callable[[Report, Path], list[Path]]:
    module, attr = WRITERS[fmt].split(":")
    fn: Callable[[Report, Path], list[Path]] = getattr(importlib.import_module(module), attr)
    return fn


def write_formats(report: Report, out: Path, formats: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Write each format; returns (files written, one error line per format that failed)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out}: cannot create the report directory: {exc.strerror or exc}") from exc
    written: list[Path] = []
    errors: list[str] = []
    for fmt in formats:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=".ndr-", dir=out))
        except OSError as exc:
            raise ReportError(f"{out}: cannot write there: {exc.strerror or exc}") from exc
        try:
            for path in writer(fmt)(report, tmp):
                final = out / path.name
                os.replace(path, final)
                written.append(final)
        except OSError as exc:  # disk full, permissions: this format fails, the others go on
            errors.append(f"{fmt}: {exc.strerror or exc}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return written, errors


def write_reports(store: FailureSource, config: ReportConfig, *, networks: Sequence[Network] = (),
                  now: datetime | None = None, period: Period | None = None, out: Path | None = None,
                  sources: Sequence[str] | None = None,
                  dns: DnsConfig | None = None) -> tuple[Report, list[Path], list[str]]:
    """Build the report for `period` (default: config.since ending now) and write config.formats.

    With `dns` (DNS checks asked for) the clusters' sending IPs are checked first (reports/dns.py);
    without it nothing is looked up. Returns (report, files written, errors). Raises ReportError
    when no output directory is known.
    """
    moment = now or datetime.now(UTC)
    target = out or (Path(config.out).expanduser() if config.out else None)
    if target is None:
        raise ReportError("report.out: no output directory configured")
    chosen = period or Period.last(parse_duration(config.since, "report.since"), moment)
    options = ReportOptions(prefix_v6=config.prefix_v6, prefix_v4=config.prefix_v4, top=config.top)
    table = NetworkTable(networks)
    report = report_from_store(store, period=chosen, options=options, networks=table, generated_at=moment,
                               sources=sources)
    if dns is not None:
        from reports.dns import check_report  # noqa: PLC0415 - dnspython and the checks only when asked for

        report = check_report(report, dns, networks=table, max_ips=config.dns_max_ips)
    written, errors = write_formats(report, target, config.formats)
    return report, written, errors
