"""`ndr state`: each source's cursor, counts, pending after-actions and last run; `ndr state reset SOURCE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from connectors.files import is_tty
from ndr.cli.scanopts import config_option, fail, load, print_table
from ndr.config import SOURCE_TYPES, Config, source_module
from ndr.errors import NdrError
from ndr.store import SourceState, Store
from ndr.store.lock import writer_lock

CURSOR_CHARS = 48  # a cursor longer than this is shown shortened


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per source) instead of a table.")
@click.pass_context
def state(ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
    """Show each source's cursor (where the next scan starts), counts and last run.

    \b
    Examples:
      ndr state
      ndr state --json | jq '.[] | select(.last_run_status != "ok")'
      ndr state reset bounces          forget a cursor: the next scan starts over
    \b
    Counts are over all runs: new (stored), duplicates (bytes already stored), failed
    (analysis raised; stored as kind=error). "pending" counts after-actions (IMAP seen / move /
    delete) of stored messages not yet confirmed sent: the next scan of the source sends them
    first. Exit status: 0, or 2 on a configuration error.
    """
    ctx.obj = config_path
    if ctx.invoked_subcommand is not None:
        return
    config = load("state", config_path)
    states = _read(config)
    rows = _rows(config, states)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not config.store.path.exists():
        click.echo(f"no store yet at {config.store.path}: run `ndr scan` first")
    print_table(("source", "type", "cursor", "new", "duplicates", "failed", "pending", "last run", "status"),
                [(r["source"], r["type"], r["cursor_short"] or "-", r["new"], r["duplicates"], r["failed"],
                  r["pending_after_actions"], r["last_run_at"] or "never", r["last_run_status"]) for r in rows],
                right=(False, False, False, True, True, True, True, False, False))


def _read(config: Config) -> dict[str, SourceState]:
    if not config.store.path.exists():
        return {}
    try:
        with Store.open(config.store.path, readonly=True) as store:
            return {s.name: s for s in store.sources()}
    except NdrError as exc:
        fail("state", exc)


def _rows(config: Config, states: dict[str, SourceState]) -> list[dict[str, object]]:
    names = [s.name for s in config.sources] + sorted(set(states) - {s.name for s in config.sources})
    rows: list[dict[str, object]] = []
    for name in names:
        st = states.get(name)
        src = config.source(name)
        type_ = src.type if src is not None else st.type if st is not None else "?"
        rows.append({
            "source": name, "type": type_, "in_config": src is not None,
            "cursor": st.cursor if st else None,
            "cursor_short": short_cursor(type_, st.cursor) if st and st.cursor else None,
            "cursor_at": st.cursor_at if st else None,
            "fetched": st.fetched if st else 0, "new": st.new if st else 0,
            "duplicates": st.duplicates if st else 0, "failed": st.failed if st else 0,
            "pending_after_actions": st.pending_after if st else 0,
            "last_run_at": st.last_run_at if st else None,
            "last_run_status": _status(st) + ("" if src is not None else " (not in the config)"),
        })
    return rows


def _status(st: SourceState | None) -> str:
    if st is None or st.last_run_finished is None:
        return "never scanned"
    if not st.last_run_finished:
        return "interrupted (or running)"
    return "ok" if st.last_run_error is None else f"stopped: {st.last_run_error}"


def short_cursor(type_: str, cursor: str) -> str:
    """A cursor in a few words: the source module's describe_cursor() when it has one, else shortened."""
    if type_ in SOURCE_TYPES:
        try:
            describe = getattr(source_module(type_), "describe_cursor", None)
        except NdrError:
            describe = None
        if describe is not None:
            return str(describe(cursor))
    if len(cursor) <= CURSOR_CHARS:
        return cursor
    half = CURSOR_CHARS // 2 - 2
    return f"{cursor[:half]}...{cursor[-half:]}"


@state.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (for scripts).")
@click.pass_obj
def reset(config_path: Path | None, source: str, yes: bool) -> None:
    """Forget SOURCE's cursor: its next scan reads it from the beginning.

    Stored messages are kept, and recognised by their digest when they are read again:
    nothing is stored twice.

    \b
    Examples:
      ndr state reset bounces
      ndr state reset bounces --yes      no question (scripts)
    \b
    Exit status: 0 reset (or declined), 1 the store is busy, 2 unknown source or no answer possible.
    """
    config = load("state", config_path)
    path = config.store.path
    if not path.exists():
        fail("state", f"no store at {path}: nothing to reset", 2)
    if not yes:
        if not is_tty(sys.stdin):
            fail("state", "not on a terminal: add --yes to reset without asking", 2)
        if not click.confirm(f"Forget the cursor of {source!r}? Its next scan starts from the beginning "
                             "(stored messages are not stored twice)", default=False):
            click.echo("left as it was")
            return
    try:
        with writer_lock(path), Store.open(path) as store:
            if not store.reset_cursor(source):
                fail("state", f"{source}: no such source in {path}", 2)
    except NdrError as exc:
        fail("state", exc)
    click.echo(f"{source}: cursor forgotten; the next scan reads it from the beginning")
