"""`ndr check` shows a progress bar for a long target list on a terminal (stderr), like `ndr scan`;
the results stay on stdout, and off a terminal nothing else is printed."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

from tests.scanhelp import ROOT, ndr_argv, process_env

TARGETS = [f"192.0.2.{i}" for i in range(1, 7)]


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other side closed (EIO on Linux)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def _run(args: list[str], home: Path, *, stdout_tty: bool) -> tuple[int, str, str]:
    """(exit code, stdout, what the terminal showed) with stderr on a pseudo-terminal."""
    primary, secondary = pty.openpty()
    env = process_env({"TERM": "xterm", "COLUMNS": "120"}, home=home)
    proc = subprocess.Popen(ndr_argv("check", "--offline", *args), stdin=subprocess.DEVNULL,
                            stdout=secondary if stdout_tty else subprocess.PIPE, stderr=secondary, env=env, cwd=ROOT)
    os.close(secondary)
    out = proc.stdout.read().decode() if proc.stdout is not None else ""
    screen = _read_all(primary)
    return proc.wait(60), out, screen


def test_a_bar_on_the_terminal_and_the_results_on_stdout(tmp_path: Path) -> None:
    code, out, screen = _run(["--json", *TARGETS], tmp_path, stdout_tty=False)
    assert code == 0
    assert [json.loads(line)["target"] for line in out.splitlines()] == TARGETS  # nothing else on stdout
    assert "check" in screen and "6/6" in screen and "target/s" in screen and "━" in screen
    assert "192.0.2.1" not in screen  # the results went to the pipe, not to the terminal


def test_results_and_bar_on_the_same_terminal(tmp_path: Path) -> None:
    code, _, screen = _run(TARGETS, tmp_path, stdout_tty=True)
    assert code == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)  # colours and cursor moves
    lines = [line.rpartition("\r")[2] for line in text.replace("\r\n", "\n").split("\n")]  # as a terminal shows
    assert [line for line in lines if "(IP address)" in line] == [
        f"{t} (IP address): not checked (offline)" for t in TARGETS]  # whole lines: the bar never cuts into them
    assert "6/6" in text and "━" in text


def test_no_bar_for_a_short_list(tmp_path: Path) -> None:
    code, out, screen = _run(["--json", *TARGETS[:4]], tmp_path, stdout_tty=False)
    assert code == 0 and len(out.splitlines()) == 4
    assert "━" not in screen and "4/4" not in screen


def test_off_a_terminal_only_the_results(tmp_path: Path) -> None:
    done = subprocess.run(ndr_argv("check", "--offline", "--json", *TARGETS), capture_output=True, text=True,
                          env=process_env(home=tmp_path), cwd=ROOT, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == len(TARGETS)
