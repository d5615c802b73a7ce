"""`ndr reanalyze`: run the analyzer again over stored messages (after an update of ndr's rules)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ndr.cli.scanopts import config_option, fail, load, setup_logging, terminal, verbosity_options
from ndr.errors import NdrError
from ndr.progress import RichBars
from ndr.store import Store, reanalysis
from ndr.store.lock import writer_lock


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Only messages seen in this source (repeatable). Default: every stored message.")
@verbosity_options
def reanalyze(*, config_path: Path | None, source_names: tuple[str, ...], verbose: int, quiet: bool) -> None:
    """Analyse the stored messages again and update their verdicts and recipient rows.

    Use it after upgrading ndr: new or corrected rules then apply to past bounces too. The
    store keeps every message's headers and report parts (compressed) for this.

    \b
    Examples:
      ndr reanalyze
      ndr reanalyze --source bounces
    \b
    Exit status: 0 done; 1 some messages could not be analysed (left as they were) or the
    store is busy; 2 configuration error.
    """
    config = load("reanalyze", config_path)
    path = config.store.path
    if not path.exists():
        fail("reanalyze", f"no store at {path}: run `ndr scan` first", 2)
    console = terminal()
    log = setup_logging(console, verbose=verbose, quiet=quiet)
    sources = list(source_names) or None
    try:
        with writer_lock(path), Store.open(path) as store:
            total = reanalysis.count(store, sources)
            if console is not None:
                with RichBars(console) as bars:
                    bars.start("reanalyze", total=total)
                    result = reanalysis.run(store, sources=sources, log=log.getChild("reanalyze"),
                                            progress=lambda done: bars.update("reanalyze", done=done))
                    bars.stop("reanalyze")
            else:
                result = reanalysis.run(store, sources=sources, log=log.getChild("reanalyze"))
    except NdrError as exc:
        fail("reanalyze", exc)
    upgraded = f"; {result.upgraded} filled in for this ndr's new store columns" if result.upgraded else ""
    click.echo(f"reanalysed {result.messages} message(s): {result.changed} changed, {result.failed} failed{upgraded}")
    sys.exit(1 if result.failed else 0)
