"""`ndr check`: PTR/FCrDNS, SPF, DKIM, DMARC and block-list diagnosis of IPs, domains and messages."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
from pathlib import Path

import click

from analyzer.ipaddr import parse_ip
from ndr.check.config import DnsConfig, parse_dnsbl_list, parse_server
from ndr.check.hook import load_dns_config
from ndr.check.model import TargetReport
from ndr.check.names import as_domain
from ndr.check.render import render
from ndr.check.resolver import Resolver
from ndr.check.run import Checker
from ndr.check.serialize import to_json
from ndr.cli.scanopts import terminal
from ndr.errors import NdrError
from ndr.progress import Bars, NoBars, RichBars

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # a .eml target is read up to this size (the analyzer reads 4 MiB of it)
BAR_MIN_TARGETS = 5  # from this many targets on, a progress bar on a terminal (stderr); never off one


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("targets", nargs=-1, required=True, metavar="TARGET...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines: one object per target.")
@click.option("--resolver", "resolvers", multiple=True, metavar="IP[:PORT]",
              help="Resolver to query (repeatable; [IPv6]:PORT). Default: [dns] resolvers, else the system's.")
@click.option("--dnsbl", "dnsbl", metavar="LIST,...",
              help="Block-list zones to query, comma-separated ('none' for none). Default: [dns] dnsbl, else "
                   "zen.spamhaus.org,b.barracudacentral.org,bl.spamcop.net.")
@click.option("--timeout", type=click.FloatRange(0.05, 60), metavar="S", help="Seconds per DNS try (default 3).")
@click.option("--retries", type=click.IntRange(0, 5), help="Further tries after a timeout (default 1).")
@click.option("--offline", is_flag=True, help="Query nothing: show what would be checked.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file whose [dns] section to use (default: $NDR_CONFIG or ~/.config/ndr/config.toml "
                   "when it exists).")
def check(*, targets: tuple[str, ...], as_json: bool, resolvers: tuple[str, ...], dnsbl: str | None,
          timeout: float | None, retries: int | None, offline: bool, config_path: Path | None) -> None:
    """Check what receivers check: reverse DNS, SPF, DKIM keys, DMARC and block lists.

    TARGET is an IP address (IPv4 or IPv6), a domain, or a message file (.eml; '-' reads standard
    input). For a message, its sending IPs (the addresses the rejecting servers saw), its envelope
    and From domains and its DKIM selectors are checked. A domain's SPF is evaluated for every IP
    given on the same command line (else only the record is checked).

    \b
    Examples:
      ndr check 2a01:111:f403:2612::700
      ndr check bounce.eml
      ndr check 192.0.2.10 example.com          SPF of example.com for 192.0.2.10
      ndr check --json --resolver 127.0.0.1:5353 example.com
      ndr check --dnsbl zen.spamhaus.org,psbl.surriel.com 192.0.2.10
    \b
    With 5 targets or more and a terminal on stderr, a progress bar shows how far the checks
    are (targets done, rate, ETA); off a terminal nothing but the results is printed.
    \b
    A block list that refuses the query (Spamhaus answers 127.255.255.254 to public resolvers) is
    reported as "could not check", never as "not listed": use a resolver of your own.
    \b
    Exit status: 0 every check ran (whatever it found), 1 some could not be done (timeouts,
    SERVFAIL, refused, unreadable file), 2 usage or configuration error.
    """
    config = _config(config_path, resolvers=resolvers, dnsbl=dnsbl, timeout=timeout, retries=retries,
                     offline=offline)
    plan = [_classify(t) for t in targets]
    ip_targets = [value for kind, value, _ in plan if kind == "ip"]
    color = sys.stdout.isatty()

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    logging.getLogger("ndr.check").setLevel(logging.WARNING)
    incomplete = 0
    with contextlib.ExitStack() as stack:
        resolver = stack.enter_context(Resolver(config))
        bars = _bars(len(plan), stack)
        bars.start("check", total=len(plan))
        checker = Checker(resolver)
        for i, (kind, value, data) in enumerate(plan):
            target = targets[i]
            if kind == "error":
                report = TargetReport(target=target, kind="error", error=value)
            elif kind == "ip":
                report = checker.check_ip_target(target, value)
            elif kind == "domain":
                report = checker.check_domain_target(target, value, ips=ip_targets)
            else:
                report = checker.check_message(target, data or b"")
            incomplete += not report.complete
            # sys.stdout at each call: while a bar is drawn on the same terminal, rich's proxy, which
            # prints the results above the bar
            if as_json:
                click.echo(to_json(report), file=sys.stdout)
            else:
                if i:
                    click.echo("", file=sys.stdout)
                click.echo(render(report, style=style), file=sys.stdout)
            bars.update("check", done=i + 1, detail=f"{incomplete} incomplete" if incomplete else "")
        bars.stop("check")
    sys.exit(1 if incomplete else 0)


def _bars(targets: int, stack: contextlib.ExitStack) -> Bars:
    """A bar on stderr for a long target list on a terminal; results stay on stdout (a file, a pipe,
    or the same terminal, above the bar)."""
    console = terminal() if targets >= BAR_MIN_TARGETS else None
    if console is None:
        return NoBars()
    return stack.enter_context(RichBars(console, unit="target", redirect_stdout=_same_terminal()))


def _same_terminal() -> bool:
    """stdout is the terminal stderr is on (then the results print above the bar, not through it)."""
    try:
        out, err = os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return sys.stdout.isatty() and (out.st_rdev, out.st_dev) == (err.st_rdev, err.st_dev)


def _config(path: Path | None, *, resolvers: tuple[str, ...], dnsbl: str | None, timeout: float | None,
            retries: int | None, offline: bool) -> DnsConfig:
    try:
        base = load_dns_config(path)
    except NdrError as exc:
        raise click.UsageError(str(exc)) from None
    changes: dict[str, object] = {}
    if resolvers:
        try:
            changes["servers"] = tuple(parse_server(r) for r in resolvers)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--resolver") from None
    if dnsbl is not None:
        items = [] if dnsbl.strip().lower() == "none" else dnsbl.split(",")
        try:
            changes["dnsbls"] = parse_dnsbl_list(items, "--dnsbl")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--dnsbl") from None
    if timeout is not None:
        changes["timeout"] = timeout
    if retries is not None:
        changes["retries"] = retries
    if offline:
        changes["offline"] = True
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _classify(target: str) -> tuple[str, str, bytes | None]:
    """('ip', address, None) | ('domain', name, None) | ('message', path, bytes) | ('error', why, None).

    Exits 2 when `target` is none of these.
    """
    if target == "-":
        return "message", target, sys.stdin.buffer.read(MAX_MESSAGE_BYTES)
    addr = parse_ip(target)
    if addr is not None:
        return "ip", str(addr), None
    path = Path(target)
    if path.is_file() or target.lower().endswith((".eml", ".msg", ".txt")):
        try:
            with path.open("rb") as fh:
                return "message", target, fh.read(MAX_MESSAGE_BYTES)
        except OSError as exc:
            return "error", f"cannot read {target}: {exc.strerror or exc}", None
    domain = as_domain(target)
    if domain is not None:
        return "domain", domain, None
    raise click.UsageError(f"{target!r} is not an IP address, a domain or a readable message file")
