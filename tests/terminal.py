"""Run `ndr` as a subprocess on a real pseudo-terminal (stdin and stderr on a pty, stdout a pipe), as an
operator signing in with the device code would: connectors.msauth.on_terminal() is true there."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

from tests.scanhelp import Ran, ndr_argv, process_env


def on_terminal(*args: str, timeout: float = 120) -> tuple[Ran, str]:
    """Run `ndr ARGS` with stdin and stderr on a new pseudo-terminal (stdout a pipe): (result, terminal text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(ndr_argv(*args), stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                            env=process_env(), close_fds=True)
    os.close(slave)
    seen, deadline = bytearray(), time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        out = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return Ran(code=proc.returncode, out=out.decode(), err=""), seen.decode("utf-8", "replace")
