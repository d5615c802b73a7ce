"""`ndr report`: clusters and trends from the store, as CSV, XLSX, HTML and JSON files."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from ndr.check.config import DnsConfig
from ndr.cli.scanopts import config_option, fail
from ndr.config import Config, default_config_path, default_store_path, load_config
from ndr.errors import ConfigError, NdrError
from ndr.store import Store
from reports.config import FORMATS, MAX_DNS_IPS, ReportConfig, parse_duration, parse_formats
from reports.model import Period, Report
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
@click.option("--dns/--no-dns", "dns", default=None,
              help="Check each cluster's sending IPs in DNS: PTR, FCrDNS, SPF of the envelope sender domains, "
                   "block lists (default: [dns] enabled, else off: nothing is looked up).")
@click.option("--dns-max-ips", type=click.IntRange(1, MAX_DNS_IPS), default=None, metavar="N",
              help="With --dns: sending IPs checked per cluster, the most frequent ([report] dns_max_ips, 5).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the files written.")
def report(*, config_path: Path | None, store_path: Path | None, since: str | None, from_: str | None,
           to: str | None, out: Path | None, formats: str | None, prefix_v6: int | None, prefix_v4: int | None,
           top: int | None, sources: tuple[str, ...], dns: bool | None, dns_max_ips: int | None, quiet: bool) -> None:
    """Write clusters (sending prefix x reason) and daily trends of the stored failures.

    Files: failures.csv, clusters.csv, daily.csv, daily_wide.csv (UTF-8 with BOM, formula-safe),
    report.xlsx (typed, with a chart), report.html (one self-contained file, opens offline) and
    report.json. The change columns compare with the previous period of the same length.

    With DNS checks (--dns, or [dns] enabled = true) each cluster's sending IPs (the 5 most
    frequent; 200 per run at most) are checked once, through the [dns] resolvers: clusters gain
    ptr_present, fcrdns_ok, spf_result, listed_on and a line of DNS advice, dns_checks.csv lists
    each address, and the HTML drill-down shows the DNS answers.

    \b
    Examples:
      ndr report                                   last 30 days, all formats, into ./ndr-report
      ndr report --since 7d --format html --out /srv/www/bounces
      ndr report --from 2025-03-01 --to 2025-03-31 --prefix-v6 48
      ndr report --store demo-out/demo.sqlite3 --source bounces
      ndr report --dns --format html,csv           also check PTR, SPF and block lists
    \b
    Exit status: 0 all written; 1 some format could not be written, or DNS checks were asked for
    and some could not be done (the reports are written, those cells say "could not check");
    2 usage or configuration error.
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
                       prefix_v4=prefix_v4 or cfg.prefix_v4, top=top or cfg.top,
                       dns_max_ips=dns_max_ips or cfg.dns_max_ips)
    target = out or (Path(cfg.out).expanduser() if cfg.out else Path(DEFAULT_OUT))
    store_file = store_path or (config.store.path if config else default_store_path())
    _run(store_file, cfg, target=target, period=chosen, networks=networks, sources=sources, now=now, quiet=quiet,
         dns=dns_settings(config, dns))


def dns_settings(config: Config | None, flag: bool | None) -> DnsConfig | None:
    """The [dns] settings when the clusters' IPs are to be checked (--dns, else [dns] enabled), else None."""
    if flag is False:
        return None
    section = config.section("dns") if config else None
    settings = section if isinstance(section, DnsConfig) else None
    if flag is None:
        return settings if settings is not None and settings.enabled else None
    return settings or DnsConfig()


def dns_exit_code(built: Report) -> int:
    """1 when DNS checks were asked for and some could not be done (offline is on purpose: 0)."""
    return 1 if built.dns is not None and not built.dns.offline and built.dns.incomplete else 0


def _dns_line(built: Report) -> str | None:
    if built.dns is None:
        return None
    from reports.dns import summary_line  # noqa: PLC0415 - loaded only with DNS checks

    return summary_line(built.dns)


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
         sources: tuple[str, ...], now: datetime, quiet: bool, dns: DnsConfig | None) -> None:
    if not store_file.exists():
        fail("report", f"{store_file}: no store yet; run `ndr scan` first (or pass --store)", 2)
    try:
        with Store.open(store_file, readonly=True) as store:
            built, written, errors = write_reports(store, cfg, networks=networks, now=now, period=period,
                                                   out=target, sources=list(sources) or None, dns=dns)
    except NdrError as exc:
        fail("report", exc)
    if not quiet:
        for line in summary_lines(built):
            click.echo(line)
    dns_line = _dns_line(built)
    if dns_line and (not quiet or dns_exit_code(built)):
        click.echo(dns_line, err=bool(dns_exit_code(built)))
    for path in written:
        click.echo(str(path))
    for error in errors:
        click.echo(f"ndr report: {target}: {error}", err=True)
    sys.exit(max(1 if errors else 0, dns_exit_code(built)))


def after_scan(config: Config, dns: bool | None = None) -> int:
    """The reports the config's `[report]` asks for, written at the end of `ndr scan` (with DNS checks
    per `dns`: --dns / --no-dns / None for [dns] enabled). Returns an exit code."""
    cfg = config.section("report")
    if not isinstance(cfg, ReportConfig) or not cfg.out:
        return 0
    nets = config.section("networks")
    networks = tuple(n for n in nets if isinstance(n, Network)) if isinstance(nets, tuple) else ()
    try:
        with Store.open(config.store.path, readonly=True) as store:
            built, written, errors = write_reports(store, cfg, networks=networks, dns=dns_settings(config, dns))
    except NdrError as exc:
        click.echo(f"ndr scan: report: {exc}", err=True)
        return 1
    click.echo(f"reports: {len(written)} files in {Path(cfg.out).expanduser()}")
    dns_line = _dns_line(built)
    if dns_line:
        click.echo(dns_line, err=bool(dns_exit_code(built)))
    for error in errors:
        click.echo(f"ndr scan: report: {cfg.out}: {error}", err=True)
    return max(1 if errors else 0, dns_exit_code(built))
