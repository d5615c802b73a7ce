"""Plumbing shared by the store commands (scan, state, reanalyze): --config, errors, output mode."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table

from connectors.files import is_tty
from ndr import log as ndrlog
from ndr.config import Config, load_config
from ndr.errors import NdrError

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    """The --config option."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Config file (default: $NDR_CONFIG, else config.toml in the user's config dir, e.g. ~/.config/ndr/).",
    )(func)


def verbosity_options(func: F) -> F:
    func = click.option("-v", "--verbose", count=True, help="More log lines (-vv: also duplicates).")(func)
    return click.option("-q", "--quiet", is_flag=True, help="Only problems and the summary.")(func)


def fail(command: str, error: NdrError | str, code: int | None = None) -> NoReturn:
    """Print one line on stderr and exit with the error's code."""
    click.echo(f"ndr {command}: {error}", err=True)
    sys.exit(code if code is not None else error.exit_code if isinstance(error, NdrError) else 2)


def load(command: str, path: Path | None) -> Config:
    """The config, or exit 2 with one line naming the key."""
    try:
        return load_config(path)
    except NdrError as exc:
        fail(command, exc)


def terminal() -> Console | None:
    """A rich console on stderr when it is an interactive terminal, else None (cron, pipes)."""
    return Console(stderr=True) if is_tty(sys.stderr) else None


def setup_logging(console: Console | None, *, verbose: int, quiet: bool) -> logging.Logger:
    """Off a terminal: per-message lines (INFO); on one: problems only, bars show progress."""
    if quiet:
        level = logging.WARNING
    elif console is None:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
    else:
        level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING
    return ndrlog.setup(level=level, console=console)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[bool]) -> None:
    """A table on stdout: rich on a terminal, aligned plain text otherwise (stable for scripts and cron)."""
    if is_tty(sys.stdout):
        table = Table(show_edge=False, box=None, pad_edge=False)
        for head, r in zip(headers, right, strict=True):
            table.add_column(head, justify="right" if r else "left", overflow="fold")
        for row in rows:
            table.add_row(*(str(v) for v in row))
        Console().print(table)
        return
    cells = [list(headers), *([str(v) for v in row] for row in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    for row in cells:
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
        click.echo("  ".join(parts).rstrip())
