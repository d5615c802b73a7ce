"""`ndr report`: clusters and trends from the store, as CSV, XLSX, HTML and JSON files."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from ndr.cli.scanopts import config_option, fail
from ndr.config import Config, default_config_path, default_store_path, load_config
from ndr.errors import ConfigError, NdrError
from ndr.store import Store
from reports.config import FORMATS, ReportConfig, parse_duration, parse_formats
from reports.model import Period
from reports.networks import Network
from reports.summary import summary_lines
from reports.write import write_reports

DEFAULT_OUT = "ndr-report"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2025-03-31, got {value!r}", param_hint=option) from None


def _config(path: Path | None) -> Config | None:
    """The config when given, or when the default one exists; None: run on defaults."""
    if path is None and not default_config_path().exists():
        return None
    try:
        return load_config(path)
    except NdrError as exc:
        fail("report", exc)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The SQLite store (default: the config's [store] path).")
@click.option("--since", default=None, metavar="DURATION",
              help="Report the period ending now: 30d, 4w or 12h (default: [report] since, else 30d).")
@click.option("--from", "from_", default=None, metavar="DATE", help="First day (UTC, YYYY-MM-DD), with --to.")
@click.option("--to", default=None, metavar="DATE", help="Last day included (UTC, YYYY-MM-DD); default today.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Output directory (default: [report] out, else ./{DEFAULT_OUT}).")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated: csv,xlsx,html,json (default: [report] formats, else all).")
@click.option("--prefix-v6", type=click.IntRange(1, 128), default=None, help="IPv6 cluster prefix length (64).")
@click.option("--prefix-v4", type=click.IntRange(1, 32), default=None, help="IPv4 cluster prefix length (24).")
@click.option("--top", type=click.IntRange(1, 1000), default=None, help="Prefixes/domains named in trends (10).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the files written.")
def report(*, config_path: Path | None, store_path: Path | None, since: str | None, from_: str | None,
           to: str | None, out: Path | None, formats: str | None, prefix_v6: int | None, prefix_v4: int | None,
           top: int | None, sources: tuple[str, ...], quiet: bool) -> None:
    """Write clusters (sending prefix x reason) and daily trends of the stored failures.

    Files: failures.csv, clusters.csv, daily.csv, daily_wide.csv (UTF-8 with BOM, formula-safe),
    report.xlsx (typed, with a chart), report.html (one self-contained file, opens offline) and
    report.json. The change columns compare with the previous period of the same length.

    \b
    Examples:
      ndr report                                   last 30 days, all formats, into ./ndr-report
      ndr report --since 7d --format html --out /srv/www/bounces
      ndr report --from 2025-03-01 --to 2025-03-31 --prefix-v6 48
      ndr report --store demo-out/demo.sqlite3 --source bounces
    \b
    Exit status: 0 all written; 1 some format could not be written; 2 usage or configuration error.
    """
    config = _config(config_path)
    base = config.section("report") if config else None
    cfg = base if isinstance(base, ReportConfig) else ReportConfig()
    nets = config.section("networks") if config else None
    networks = tuple(n for n in nets if isinstance(n, Network)) if isinstance(nets, tuple) else ()
    now = datetime.now(UTC)
    try:
        chosen = _period(since, from_, to, default_since=cfg.since, now=now)
        fmts = parse_formats(formats, "--format") if formats else cfg.formats or FORMATS
    except ConfigError as exc:
        fail("report", exc, 2)
    cfg = ReportConfig(out=cfg.out, formats=fmts, since=cfg.since, prefix_v6=prefix_v6 or cfg.prefix_v6,
                       prefix_v4=prefix_v4 or cfg.prefix_v4, top=top or cfg.top)
    target = out or (Path(cfg.out).expanduser() if cfg.out else Path(DEFAULT_OUT))
    store_file = store_path or (config.store.path if config else default_store_path())
    _run(store_file, cfg, target=target, period=chosen, networks=networks, sources=sources, now=now, quiet=quiet)


def _period(since: str | None, from_: str | None, to: str | None, *, default_since: str, now: datetime) -> Period:
    if since and (from_ or to):
        raise ConfigError("--since cannot be combined with --from/--to")
    first, last = _day(from_, "--from"), _day(to, "--to")
    if last is not None and first is None:
        raise ConfigError("--to needs --from")
    if first is not None:
        last = last or now.date()
        if last < first:
            raise ConfigError(f"--to {last} is before --from {first}")
        return Period.days(first, last)
    return Period.last(parse_duration(since or default_since, "--since"), now)


def _run(store_file: Path, cfg: ReportConfig, *, target: Path, period: Period, networks: tuple[Network, ...],
         sources: tuple[str, ...], now: datetime, quiet: bool) -> None:
    if not store_file.exists():
        fail("report", f"{store_file}: no store yet; run `ndr scan` first (or pass --store)", 2)
    try:
        with Store.open(store_file, readonly=True) as store:
            built, written, errors = write_reports(store, cfg, networks=networks, now=now, period=period,
                                                   out=target, sources=list(sources) or None)
    except NdrError as exc:
        fail("report", exc)
    if not quiet:
        for line in summary_lines(built):
            click.echo(line)
    for path in written:
        click.echo(str(path))
    for error in errors:
        click.echo(f"ndr report: {target}: {error}", err=True)
    sys.exit(1 if errors else 0)


def after_scan(config: Config) -> int:
    """The reports the config's `[report]` asks for, written at the end of `ndr scan`. Returns an exit code."""
    cfg = config.section("report")
    if not isinstance(cfg, ReportConfig) or not cfg.out:
        return 0
    nets = config.section("networks")
    networks = tuple(n for n in nets if isinstance(n, Network)) if isinstance(nets, tuple) else ()
    try:
        with Store.open(config.store.path, readonly=True) as store:
            _, written, errors = write_reports(store, cfg, networks=networks)
    except NdrError as exc:
        click.echo(f"ndr scan: report: {exc}", err=True)
        return 1
    click.echo(f"reports: {len(written)} files in {Path(cfg.out).expanduser()}")
    for error in errors:
        click.echo(f"ndr scan: report: {cfg.out}: {error}", err=True)
    return 1 if errors else 0
