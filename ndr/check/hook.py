"""DNS checks inside other commands (`ndr triage --dns`): off unless asked.

`dns_config(flag)` decides: `--dns` turns checks on, `--no-dns` off, no flag follows
`[dns] enabled` of the config file ($NDR_CONFIG or the default path, when it exists). Only the
`[dns]` table is read (`load_dns_config`): a problem elsewhere in the file is not this command's,
and nothing heavy is imported, so a command without DNS checks pays nothing. `MessageChecks` holds one Resolver and
Checker for the whole command, so an IP or domain named by many messages is looked up once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ndr.check.config import DnsConfig, parse_dns_config
from ndr.config import default_config_path
from ndr.errors import ConfigError

if TYPE_CHECKING:
    from analyzer.model import Analysis
    from ndr.check.model import TargetReport
    from ndr.check.render import Style


def load_dns_config(path: Path | None = None) -> DnsConfig:
    """The `[dns]` table of `path` (default: the user's config file, when it exists). Raises ConfigError."""
    file = path if path is not None else default_config_path()
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        if path is None:
            return DnsConfig()
        raise ConfigError(f"{file}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    table = data.get("dns", {})
    if not isinstance(table, dict):
        raise ConfigError("dns: expected a table ([dns])")
    return parse_dns_config(table, "dns")


def dns_config(flag: bool | None, path: Path | None = None) -> DnsConfig | None:
    """The [dns] settings when checks are on, else None (nothing will be looked up).

    With `--dns` a bad [dns] section raises ConfigError; without a flag it leaves checks off
    (the caller may warn) rather than stop a command that did not ask for DNS.
    """
    if flag is False:
        return None
    try:
        config = load_dns_config(path)
    except ConfigError:
        if flag:
            raise
        return None
    if flag is None and not config.enabled:
        return None
    return config


class MessageChecks:
    """Checks of analysed messages for one command run (use as a context manager)."""

    def __init__(self, config: DnsConfig) -> None:
        from ndr.check.resolver import Resolver  # noqa: PLC0415 - loaded only when DNS checks are on
        from ndr.check.run import Checker  # noqa: PLC0415 - loaded only when DNS checks are on

        self.resolver = Resolver(config)
        self.checker = Checker(self.resolver)

    def __enter__(self) -> MessageChecks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.resolver.close()

    def check(self, analysis: Analysis, data: bytes, source: str) -> TargetReport:
        return self.checker.check_message(source, data, analysis)

    @staticmethod
    def text(report: TargetReport, style: Style) -> str:
        """The DNS section appended to a triage diagnosis."""
        from ndr.check.render import render  # noqa: PLC0415 - loaded only when DNS checks are on

        body = render(report, style=style, heading=False)
        return style("DNS checks", bold=True) + f": {report.verdict}" + (f"\n{body}" if body else "")

    @staticmethod
    def json(report: TargetReport) -> dict[str, Any]:
        from ndr.check.serialize import to_dict  # noqa: PLC0415 - loaded only when DNS checks are on

        return to_dict(report)
