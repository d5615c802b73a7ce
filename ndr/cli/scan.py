"""`ndr scan`: read the configured sources into the store, exactly once."""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path

import click

from ndr.cli.scanopts import config_option, fail, load, print_table, setup_logging, terminal, verbosity_options
from ndr.config import Config, SourceConfig
from ndr.errors import NdrError
from ndr.progress import Bars, NoBars, RichBars
from ndr.scan import Scanner, ScanOptions, SourceResult
from ndr.scanconfig import MAX_JOBS, ScanConfig
from ndr.store import Store
from ndr.store.lock import writer_lock

EXIT_INTERRUPTED = 130


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Scan only this source (repeatable). Default: every source in the config.")
@click.option("--max-messages", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop each source after N messages fetched (a trial run; the next scan resumes).")
@click.option("--dry-run", is_flag=True, help="Fetch and analyse, but store nothing and run no after-actions.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=100, show_default=True, metavar="N",
              help="Messages stored per transaction (with the source's cursor).")
@click.option("--jobs", type=click.IntRange(1, MAX_JOBS), default=None, metavar="N",
              help="Analyse in N worker processes (storing stays in one writer, in fetch order). "
                   "Default: [scan] jobs, else 1.")
@click.option("--dns/--no-dns", "dns", default=None,
              help="In the reports written after the scan ([report] out): check each cluster's sending IPs in DNS "
                   "(PTR, FCrDNS, SPF, block lists). Default: [dns] enabled. The scan itself never queries DNS.")
@verbosity_options
def scan(*, config_path: Path | None, source_names: tuple[str, ...], max_messages: int | None, dry_run: bool,
          batch_size: int, jobs: int | None, dns: bool | None, verbose: int, quiet: bool) -> None:
    """Read new messages from the configured sources, analyse them and store them, exactly once.

    Each message is stored once (by source reference and by content digest) together with the
    source's cursor, in one transaction: a scan killed at any point and run again loses nothing
    and counts nothing twice. Run it from cron; on a terminal it shows a progress bar per source.

    \b
    Examples:
      ndr scan                                  every source of ~/.config/ndr/config.toml
      ndr scan --config /etc/ndr.toml --source bounces
      ndr scan --dry-run --max-messages 50 -v   try a new source without storing anything
      ndr scan --jobs 2                         analyse on two cores (a large first scan)
      ndr scan --dns                            reports with PTR/SPF/block-list checks of the clusters
      15 2 * * *  ndr scan -q                   crontab: problems and the summary only
    \b
    Off a terminal it logs one line per stored message (source: reference: verdict) and
    prints a summary per source: fetched, new, duplicates, failed, skipped (dir and maildir
    files unchanged since they were stored: not read again), seconds.
    \b
    Exit status: 0 all good; 1 some messages or sources failed (the rest were stored);
    2 configuration or authentication error.
    """
    config = load("scan", config_path)
    sources = _select(config, source_names)
    console = terminal()
    log = setup_logging(console, verbose=verbose, quiet=quiet)
    if jobs is None:
        settings = config.section("scan")
        jobs = settings.jobs if isinstance(settings, ScanConfig) else 1
    options = ScanOptions(max_messages=max_messages, dry_run=dry_run, batch_size=batch_size, jobs=jobs)
    argv = shlex.join(sys.argv[1:])
    try:
        with contextlib.ExitStack() as stack:
            store = _open_store(config, dry_run=dry_run, stack=stack)
            bars: Bars = stack.enter_context(RichBars(console)) if console is not None else NoBars()
            scanner = Scanner(store, options, log=log.getChild("scan"), bars=bars)
            result = scanner.run(sources, argv=argv)
    except NdrError as exc:
        fail("scan", exc)
    except KeyboardInterrupt:
        click.echo("ndr scan: interrupted; the next scan resumes after the last stored message", err=True)
        sys.exit(EXIT_INTERRUPTED)
    _summary(result.sources, dry_run=dry_run)
    code = result.exit_code
    if not dry_run and getattr(config.section("report"), "out", None):
        from ndr.cli.report import after_scan  # noqa: PLC0415 - pandas only when [report] asks for files

        code = max(code, after_scan(config, dns))
    sys.exit(code)


def _select(config: Config, names: tuple[str, ...]) -> list[SourceConfig]:
    if not config.sources:
        fail("scan", f"{config.file}: no [[sources]] configured (see config.example.toml)", 2)
    if not names:
        return list(config.sources)
    known = {s.name for s in config.sources}
    for name in names:
        if name not in known:
            fail("scan", f"--source {name}: no such source in {config.file} (sources: {', '.join(sorted(known))})", 2)
    return [s for s in config.sources if s.name in names]


def _open_store(config: Config, *, dry_run: bool, stack: contextlib.ExitStack) -> Store | None:
    """The store; a dry run opens it read-only when it exists (to recognise duplicates) and never creates it."""
    path = config.store.path
    if dry_run:
        return stack.enter_context(Store.open(path, readonly=True)) if path.exists() else None
    stack.enter_context(writer_lock(path))
    return stack.enter_context(Store.open(path))


def _summary(results: tuple[SourceResult, ...], *, dry_run: bool) -> None:
    rows = [(r.name, r.type, r.fetched, r.new, r.duplicates, r.failed, r.skipped, f"{r.seconds:.1f}",
             "ok" if r.error is None else f"stopped: {r.error}") for r in results]
    total_s = sum(r.seconds for r in results)
    fetched = sum(r.fetched for r in results)
    heading = "dry run, nothing stored: " if dry_run else ""
    skipped = sum(r.skipped for r in results)
    unchanged = f", {skipped} unchanged file(s) not read" if skipped else ""
    click.echo(f"{heading}{len(results)} source(s), {fetched} fetched, {sum(r.new for r in results)} new, "
               f"{sum(r.duplicates for r in results)} duplicates, {sum(r.failed for r in results)} failed{unchanged} "
               f"in {total_s:.1f} s")
    print_table(("source", "type", "fetched", "new", "duplicates", "failed", "skipped", "seconds", "status"), rows,
                right=(False, False, True, True, True, True, True, True, False))
