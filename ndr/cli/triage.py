"""`ndr triage`: diagnose bounce or header files on the spot."""

from __future__ import annotations

import json
import sys

import click

from analyzer import Options, analyze
from analyzer.serialize import to_json
from connectors.files import InputError, iter_inputs
from ndr.errors import NdrError
from ndr.render import render


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (one object per message).")
@click.option("--explain", is_flag=True, help="Show which detector and rule decided, on what text.")
@click.option("--prefix-v6", default=64, show_default=True, type=click.IntRange(1, 128),
              help="IPv6 prefix length of sending_prefix.")
@click.option("--prefix-v4", default=24, show_default=True, type=click.IntRange(1, 32),
              help="IPv4 prefix length of sending_prefix.")
@click.option("--dns/--no-dns", "dns", default=None,
              help="Also check the sending IPs and sender domains in DNS (PTR/FCrDNS, SPF, DKIM, DMARC, block "
                   "lists: see ndr check). Default: [dns] enabled of the config file.")
def triage(*, paths: tuple[str, ...], as_json: bool, explain: bool, prefix_v6: int, prefix_v4: int,
           dns: bool | None) -> None:
    """Diagnose messages: kind, reason, sending IP and prefix, and what to do.

    PATH is a message file, a directory (searched recursively for *.eml), an mbox file,
    or - for standard input.

    \b
    Examples:
      ndr triage bounce.eml
      ndr triage --explain bounce.eml
      ndr triage --json ~/bounces/ > bounces.jsonl
      cat bounce.eml | ndr triage --json -
      ndr triage --dns bounce.eml        also check PTR, SPF, DKIM, DMARC, block lists
    \b
    Exit status: 0 every input was read, 1 some could not be, 2 usage error.
    """
    options = Options(prefix_v4=prefix_v4, prefix_v6=prefix_v6)
    failed = 0
    first = True
    color = sys.stdout.isatty()

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    checks = None
    if dns is not False:  # --no-dns skips even reading the config (triage start-up time)
        from ndr.check.hook import MessageChecks, dns_config  # noqa: PLC0415

        try:
            dns_settings = dns_config(dns)
        except NdrError as exc:
            raise click.UsageError(str(exc)) from None
        checks = MessageChecks(dns_settings) if dns_settings is not None else None
    for item in iter_inputs(list(paths)):
        if isinstance(item, InputError):
            failed += 1
            click.echo(f"ndr triage: {item}", err=True)
            continue
        try:
            analysis = analyze(item.data, options)
        except Exception as exc:  # noqa: BLE001 - the per-message boundary: one bad message never stops triage
            failed += 1
            click.echo(f"ndr triage: {item.source}: analysis failed ({type(exc).__name__}: {exc})"[:500], err=True)
            continue
        report = checks.check(analysis, item.data, item.source) if checks is not None else None
        if as_json:
            line = to_json(analysis, item.source)
            if report is not None and checks is not None:
                line = json.dumps({**json.loads(line), "dns": checks.json(report)}, ensure_ascii=False)
            click.echo(line)
        else:
            if not first:
                click.echo("")
            click.echo(render(analysis, item.source, explain=explain, style=style))
            if report is not None and checks is not None:
                click.echo(checks.text(report, style))
        first = False
    if checks is not None:
        checks.resolver.close()
    sys.exit(1 if failed else 0)
