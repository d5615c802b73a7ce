"""`ndr triage`: diagnose bounce or header files on the spot."""

from __future__ import annotations

import sys

import click

from analyzer import Options, analyze
from analyzer.serialize import to_json
from connectors.files import InputError, iter_inputs
from ndr.render import render


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (one object per message).")
@click.option("--explain", is_flag=True, help="Show which detector and rule decided, on what text.")
@click.option("--prefix-v6", default=64, show_default=True, type=click.IntRange(1, 128),
              help="IPv6 prefix length of sending_prefix.")
@click.option("--prefix-v4", default=24, show_default=True, type=click.IntRange(1, 32),
              help="IPv4 prefix length of sending_prefix.")
def triage(paths: tuple[str, ...], as_json: bool, explain: bool, prefix_v6: int, prefix_v4: int) -> None:
    """Diagnose messages: kind, reason, sending IP and prefix, and what to do.

    PATH is a message file, a directory (searched recursively for *.eml), an mbox file,
    or - for standard input.

    \b
    Examples:
      ndr triage bounce.eml
      ndr triage --explain bounce.eml
      ndr triage --json ~/bounces/ > bounces.jsonl
      cat bounce.eml | ndr triage --json -
    \b
    Exit status: 0 every input was read, 1 some could not be, 2 usage error.
    """
    options = Options(prefix_v4=prefix_v4, prefix_v6=prefix_v6)
    failed = 0
    first = True
    color = sys.stdout.isatty()

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    for item in iter_inputs(list(paths)):
        if isinstance(item, InputError):
            failed += 1
            click.echo(f"ndr triage: {item}", err=True)
            continue
        analysis = analyze(item.data, options)
        if as_json:
            click.echo(to_json(analysis, item.source))
        else:
            if not first:
                click.echo("")
            click.echo(render(analysis, item.source, explain=explain, style=style))
        first = False
    sys.exit(1 if failed else 0)
