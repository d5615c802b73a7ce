"""OAuth2 access tokens printed by an operator-supplied command (`token_command`), e.g. a vault CLI.

The command runs without a shell; the first line of its standard output is the token. Failures are
AuthError with one line; the token never appears in messages or logs.
"""

from __future__ import annotations

import subprocess

from ndr.errors import AuthError


class CommandTokens:
    """A token source (`token()`) running `argv` each time a token is needed (each login)."""

    def __init__(self, argv: tuple[str, ...], *, where: str, timeout: float = 60.0) -> None:
        self._argv, self._where, self._timeout = argv, where, timeout

    def token(self) -> str:
        key = f"{self._where}.token_command"
        try:
            done = subprocess.run(self._argv, capture_output=True, timeout=self._timeout, check=False)
        except FileNotFoundError:
            raise AuthError(f"{key}: {self._argv[0]!r} not found") from None
        except PermissionError:
            raise AuthError(f"{key}: {self._argv[0]!r} is not executable") from None
        except subprocess.TimeoutExpired:
            raise AuthError(f"{key}: no token after {self._timeout:.0f} s") from None
        if done.returncode != 0:
            # the command's own last stderr line, bounded (it explains; it should not echo secrets)
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise AuthError(f"{key}: exited with status {done.returncode}" + (f": {err[-1][:200]}" if err else ""))
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if not lines or not lines[0].strip():
            raise AuthError(f"{key}: printed no token")
        return lines[0].strip()
