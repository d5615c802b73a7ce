"""The `[scan]` configuration section: how `ndr scan` works (not what it reads: that is `[[sources]]`).

```toml
[scan]
jobs = 2          # analysis processes; the scan stays one writer (default 1: analyse in the scan's process)
```
`ndr scan --jobs N` overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ndr.errors import ConfigError

MAX_JOBS = 64
KNOWN_KEYS = ("jobs",)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    """`[scan]`."""

    jobs: int = 1  # analysis processes (1: in the scan's own process)


def parse_scan_config(table: Mapping[str, object], where: str = "scan") -> ScanConfig:
    """Validate the `[scan]` table."""
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{where}.{key}: unknown key")
    jobs = table.get("jobs", 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool):
        raise ConfigError(f"{where}.jobs: expected a whole number")
    if not 1 <= jobs <= MAX_JOBS:
        raise ConfigError(f"{where}.jobs: expected 1 to {MAX_JOBS}")
    return ScanConfig(jobs=jobs)
