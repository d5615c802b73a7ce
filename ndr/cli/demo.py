"""`ndr demo`: the whole pipeline on a generated mailbox — generate, scan into a fresh store, report."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from ndr.cli.scanopts import fail
from ndr.config import load_config
from ndr.demo.generate import DEFAULT_DAYS, DEFAULT_MESSAGES, DEFAULT_SEED, write_mbox
from ndr.errors import NdrError
from ndr.scan import Scanner
from ndr.store import Store
from ndr.store.lock import writer_lock
from reports.config import ReportConfig
from reports.model import Period
from reports.networks import Network
from reports.summary import summary_lines
from reports.write import write_reports

# Files `ndr demo` creates in its directory (and removes there before a new run: nothing else).
MBOX, STORE, CONFIG = "bounces.mbox", "demo.sqlite3", "demo.toml"
OWN_FILES = (MBOX, STORE, f"{STORE}-wal", f"{STORE}-shm", f"{STORE}.lock", CONFIG, "report.html", "report.xlsx",
             "report.json", "failures.csv", "clusters.csv", "daily.csv", "daily_wide.csv")


def _toml_str(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def demo_config(out: Path) -> str:
    """The config the demo scans with: one mbox source, the store and the reports in `out`."""
    return (
        "# Written by `ndr demo`: the generated mailbox as one mbox source.\n"
        f"[store]\npath = {_toml_str(out / STORE)}\n\n"
        f"[[sources]]\nname = \"demo-bounces\"\ntype = \"mbox\"\npath = {_toml_str(out / MBOX)}\n\n"
        f"[report]\nout = {_toml_str(out)}\nformats = [\"csv\", \"xlsx\", \"html\", \"json\"]\n\n"
        "[networks]\n\"our CRM relay\" = [\"203.0.113.16/28\"]\n"
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-out"),
              show_default=True, help="Directory for the mailbox, the store and the reports.")
@click.option("--messages", type=click.IntRange(1, 10_000_000), default=DEFAULT_MESSAGES, show_default=True,
              help="Messages in the generated mailbox.")
@click.option("--days", type=click.IntRange(1, 3660), default=DEFAULT_DAYS, show_default=True,
              help="Days the mailbox covers (and the report period).")
@click.option("--end", default=None, metavar="DATE", help="Last day (YYYY-MM-DD, UTC). Default: today.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed: same seed, same mail.")
def demo(*, out: Path, messages: int, days: int, end: str | None, seed: int) -> None:
    """Generate a realistic bounce mailbox, scan it into a fresh store, and write every report.

    The mailbox tells a month's story: Gmail refusing more and more mail from one Microsoft 365
    IPv6 /64 (PTR, reputation), a relay listed on Spamhaus, a newsletter domain failing DMARC,
    Gmail 4.7.28 rate limits, and the usual unknown users and full mailboxes, in the formats of
    Exchange Online, Postfix, Exim, Sendmail and Gmail. Existing demo files in the directory are
    replaced; nothing else there is touched.

    \b
    Examples:
      ndr demo                                  into ./demo-out
      ndr demo --end 2025-03-31 --seed 1 --out /tmp/demo
    \b
    Exit status: 0 all good; 1 some messages or reports failed; 2 usage error.
    """
    try:
        last = date.fromisoformat(end) if end else datetime.now(UTC).date()
    except ValueError:
        raise click.BadParameter(f"expected a date like 2025-03-31, got {end!r}", param_hint="--end") from None
    out = out.resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in OWN_FILES:
            (out / name).unlink(missing_ok=True)
        write_mbox(out / MBOX, messages, end=last, days=days, seed=seed)
        (out / CONFIG).write_text(demo_config(out), encoding="utf-8")
    except OSError as exc:
        fail("demo", f"{out}: {exc.strerror or exc}", 1)
    code, lines, written = _scan_and_report(out, Period.days(last - timedelta(days=days - 1), last))
    for line in lines:
        click.echo(line)
    html = out / "report.html"
    click.echo(f"Reports in {out}/: open {html.name} in a browser; report.xlsx, *.csv and report.json "
               f"for spreadsheets and scripts ({len(written)} files).")
    sys.exit(code)


def _scan_and_report(out: Path, period: Period) -> tuple[int, list[str], list[Path]]:
    try:
        config = load_config(out / CONFIG)
        with writer_lock(config.store.path), Store.open(config.store.path) as store:
            result = Scanner(store).run(config.sources, argv="demo")
            report_cfg = config.section("report")
            assert isinstance(report_cfg, ReportConfig)
            nets = config.section("networks")
            networks = tuple(n for n in nets if isinstance(n, Network)) if isinstance(nets, tuple) else ()
            report, written, errors = write_reports(store, report_cfg, networks=networks, period=period)
    except NdrError as exc:
        fail("demo", exc)
    scanned = sum(s.new for s in result.sources)
    lines = summary_lines(report, lines=5)
    lines[0] = f"Scanned {scanned:,} demo bounces. {lines[0]}"
    for error in errors:
        click.echo(f"ndr demo: {error}", err=True)
    return max(result.exit_code, 1 if errors else 0), lines, written
