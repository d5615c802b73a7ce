"""Secrets come from an environment variable or a file the config names, never from the config itself.

A `SecretRef` (in the parsed config) says where a secret lives; `load()` reads it into a `Secret`,
whose repr/str/format never show the value: only `reveal()` does, at the one place that sends it
(login, token request). Errors name the config key and the variable or file, never the value.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ndr.errors import ConfigError

MASK = "***"
# Keys that would put a secret into the config file itself, and what to use instead.
LITERAL_SECRET_KEYS: dict[str, str] = {
    "password": "password_env or password_file",
    "pass": "password_env or password_file",
    "client_secret": "client_secret_env or client_secret_file",
    "secret": "client_secret_env or client_secret_file",
    "token": "token_command, or client_secret_env / certificate_file",
    "access_token": "token_command, or client_secret_env / certificate_file",
    "refresh_token": "token_command, or client_secret_env / certificate_file",
    "private_key": "certificate_file",
}


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value that does not print itself."""

    _value: str = field(repr=False)
    origin: str  # where it came from, e.g. "environment variable NDR_IMAP_PASSWORD" (safe to show)

    def reveal(self) -> str:
        """The value. Call it only where the secret is sent, never to build a message."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK} from {self.origin})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretRef:
    """Where a secret lives (what the config holds): an environment variable or a file."""

    key: str  # the config key that named it, with its location, e.g. "sources[0].password_env"
    env: str | None = None  # environment variable name
    file: Path | None = None  # file whose first line is the secret (whole file for binary=True readers)

    def load(self, environ: Mapping[str, str] | None = None) -> Secret:
        """Read the secret now. ConfigError naming the key when it is missing or empty."""
        if self.env is not None:
            value = (os.environ if environ is None else environ).get(self.env)
            if value is None:
                raise ConfigError(f"{self.key}: environment variable {self.env} is not set")
            if not value.strip():
                raise ConfigError(f"{self.key}: environment variable {self.env} is empty")
            return Secret(value.strip("\r\n"), f"environment variable {self.env}")
        assert self.file is not None
        text = self.read_file().decode("utf-8", "replace")
        first = text.splitlines()[0].strip() if text.strip() else ""
        if not first:
            raise ConfigError(f"{self.key}: {self.file} is empty")
        return Secret(first, f"file {self.file}")

    def read_file(self) -> bytes:
        """The whole file (certificates, keys). ConfigError naming the key when unreadable."""
        assert self.file is not None
        try:
            return self.file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{self.key}: cannot read {self.file}: {exc.strerror or exc}") from None

    def exposed(self) -> bool:
        """True when the file is readable by group or others (worth a warning)."""
        if self.file is None:
            return False
        try:
            mode = self.file.stat().st_mode
        except OSError:
            return False
        return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def warn_if_exposed(ref: SecretRef, log: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> None:
    """Warn (naming the key and the file, never the value) when a secret's file is readable by others."""
    if ref.exposed():
        log.warning("%s: %s is readable by other users; chmod 600 it", ref.key, ref.file)


def secret_ref(table: Mapping[str, object], where: str, *, env_key: str, file_key: str, base: Path | None = None,
               required: bool = True) -> SecretRef | None:
    """The SecretRef a table names through `env_key` or `file_key` (exactly one of them).

    `base` resolves a relative file name (the config file's directory).
    """
    env, file = table.get(env_key), table.get(file_key)
    if env is not None and file is not None:
        raise ConfigError(f"{where}.{file_key}: give {env_key} or {file_key}, not both")
    if env is not None:
        if not isinstance(env, str) or not env.strip():
            raise ConfigError(f"{where}.{env_key}: expected the name of an environment variable")
        return SecretRef(key=f"{where}.{env_key}", env=env.strip())
    if file is not None:
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"{where}.{file_key}: expected a file name")
        path = Path(file).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        return SecretRef(key=f"{where}.{file_key}", file=path)
    if required:
        raise ConfigError(f"{where}.{env_key}: required (or {file_key})")
    return None


def literal_secret_error(table: Mapping[str, object], where: str) -> ConfigError | None:
    """The error for a secret written into the config itself (the value is never repeated)."""
    for key in table:
        instead = LITERAL_SECRET_KEYS.get(key.lower())
        if instead is not None:
            return ConfigError(f"{where}.{key}: secrets are not read from the config file; use {instead}")
    return None
