"""The `ndr` command: a click group whose subcommands load lazily (triage stays fast).

Each subcommand lives in its own module; COMMANDS maps the name to "module:attribute".
Exit codes: 0 all good, 1 some inputs/messages/sources failed, 2 usage, configuration or
authentication error.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ndr import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    "triage": ("ndr.cli.triage:triage", "Diagnose bounce or header files: what failed, why, what to do."),
    "check": ("ndr.cli.check:check", "Check an IP, domain or message: PTR/FCrDNS, SPF, DKIM, DMARC, block lists."),
    "scan": ("ndr.cli.scan:scan", "Read new bounces from the configured sources into the store, exactly once."),
    "state": ("ndr.cli.state:state", "Show each source's cursor, counts and last run; reset a cursor."),
    "reanalyze": ("ndr.cli.reanalyze:reanalyze", "Analyse stored messages again (after a rule update)."),
    "report": ("ndr.cli.report:report", "Clusters and trends of stored failures as CSV, XLSX, HTML and JSON."),
    "demo": ("ndr.cli.demo:demo", "Generate a 30-day demo bounce mailbox, scan it and write every report."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ndr")
def cli() -> None:
    """ndr reads bounce mail (NDRs/DSNs) and message headers: what failed, why, from which
    sending IP/prefix, and what to do about it.

    \b
    Examples:
      ndr triage bounce.eml              one-screen diagnosis
      ndr triage --json mail/ > out.jsonl
    """
    from ndr.native import stale_message, status  # noqa: PLC0415 (file times only: ~1 ms)

    state = status()
    if state.stale:  # an edited source shadowed by its older compiled module would run old code
        click.echo(f"ndr: {stale_message(state)}", err=True)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point."""
    return cli.main(args=argv, prog_name="ndr")
