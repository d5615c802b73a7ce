"""Helpers for the scan/store tests: config files, running `ndr` in-process or as a subprocess, store peeks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from ndr.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ran:
    code: int
    out: str
    err: str


def toml_source(name: str, type_: str, path: Path | str, **extra: object) -> str:
    lines = ["[[sources]]", f'name = "{name}"', f'type = "{type_}"', f'path = "{path}"']
    lines += [f"{k} = {_toml(v)}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return f'"{value}"'


def write_config(tmp: Path, *sources: str, store: Path | None = None) -> Path:
    cfg = tmp / "ndr.toml"
    cfg.write_text(f'[store]\npath = "{store or tmp / "store.sqlite3"}"\n\n' + "\n".join(sources))
    return cfg


def ndr(*args: str, env: dict[str, str] | None = None) -> Ran:
    """Run `ndr ARGS` in this process (monkeypatches apply), stdout and stderr apart."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return Ran(code=result.exit_code, out=result.stdout, err=result.stderr)


def ndr_process(*args: str, env: dict[str, str] | None = None, home: Path | None = None,
                timeout: float = 300) -> Ran:
    """Run `ndr ARGS` as a real subprocess (off a terminal: stdout and stderr are pipes)."""
    proc = subprocess.run(ndr_argv(*args), capture_output=True, text=True, timeout=timeout,
                          env=process_env(env, home), cwd=ROOT)
    return Ran(code=proc.returncode, out=proc.stdout, err=proc.stderr)


def ndr_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from ndr.cli import main; sys.exit(main())", *args]


def process_env(extra: dict[str, str] | None = None, home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDR_")}
    if home is not None:
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"))
    env.update(extra or {})
    env.pop("COLUMNS", None)
    return env


def db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def count(path: Path, table: str = "messages") -> int:
    with db(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def digests(path: Path) -> list[str]:
    with db(path) as conn:
        return [r[0] for r in conn.execute("SELECT digest FROM messages ORDER BY digest")]


def source_row(path: Path, name: str) -> dict[str, object]:
    with db(path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else {}
