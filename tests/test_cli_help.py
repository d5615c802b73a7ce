"""Every command and subcommand has `--help` (and `-h`) that exits 0 and shows an example; usage errors exit 2."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ndr.cli import COMMANDS, LazyGroup, cli


def _paths() -> list[tuple[str, ...]]:
    """Every command path: ("triage",), ("state",), ("state", "reset"), ... (groups walked recursively)."""
    found: list[tuple[str, ...]] = [()]
    ctx = click.Context(cli)

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found.append(path)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{' '.join(path)} {name}: listed but not found"
                walk(sub, (*path, name))

    group = cli
    assert isinstance(group, LazyGroup)
    for name in sorted(COMMANDS):
        command = group.get_command(ctx, name)
        assert command is not None, name
        walk(command, (name,))
    return found


PATHS = _paths()


def test_every_command_of_the_table_is_walked() -> None:
    assert {p[0] for p in PATHS if p} == set(COMMANDS)
    assert ("state", "reset") in PATHS  # a subcommand of a group


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("ndr", *p)))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_0_and_shows_an_example(path: tuple[str, ...], flag: str) -> None:
    ran = CliRunner().invoke(cli, [*path, flag], prog_name="ndr", catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    assert "Example" in ran.output, f"ndr {' '.join(path)} --help has no example"
    assert ran.output.startswith(f"Usage: ndr {' '.join(path)}".rstrip() + " ")


@pytest.mark.parametrize("path", [p for p in PATHS if p], ids=lambda p: " ".join(("ndr", *p)))
def test_an_unknown_option_is_a_usage_error(path: tuple[str, ...]) -> None:
    ran = CliRunner().invoke(cli, [*path, "--no-such-option"], prog_name="ndr", catch_exceptions=False)
    assert ran.exit_code == 2
    assert "No such option '--no-such-option'" in ran.output
