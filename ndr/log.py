"""Log output of long-running commands (scan, reanalyze).

Off a terminal (cron): plain lines on stderr, `2024-05-01T02:00:03Z INFO bounces: INBOX/1712/42: ...`.
On a terminal: rich log lines printed above the progress bars. Connectors log through
`source_logger(name)`; their lines are prefixed with the source's name when they do not start with it.
"""

from __future__ import annotations

import logging
import sys
import time

from rich.console import Console
from rich.logging import RichHandler

ROOT = "ndr"  # every ndr logger is below this one
SOURCE_PREFIX = "ndr.source."


def source_logger(name: str) -> logging.Logger:
    """The logger handed to a source's connector (`open_source(config, log=...)`)."""
    return logging.getLogger(SOURCE_PREFIX + name)


class _SourcePrefix(logging.Filter):
    """Make every connector line name its source."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SOURCE_PREFIX):
            source = record.name[len(SOURCE_PREFIX) :]
            if not record.getMessage().startswith(f"{source}:"):
                record.msg, record.args = f"{source}: {record.getMessage()}", None
        return True


class _UtcFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))


def setup(*, level: int, console: Console | None = None) -> logging.Logger:
    """Send ndr's log records to stderr (plain) or to `console` (rich, above progress bars). Idempotent."""
    root = logging.getLogger(ROOT)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler: logging.Handler
    if console is not None:
        handler = RichHandler(console=console, show_path=False, show_time=False, markup=False,
                              rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_UtcFormatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(_SourcePrefix())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    return root
