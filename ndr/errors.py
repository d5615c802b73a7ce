"""The one small hierarchy of operator-facing errors. Mail problems are never exceptions (they are defects)."""

from __future__ import annotations


class NdrError(Exception):
    """Base of errors an operator must act on. `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(NdrError):
    """A wrong or missing configuration key. The message names the key: 'sources[1].host: required'."""

    exit_code = 2


class AuthError(NdrError):
    """Authentication to a source failed (bad password, AADSTS error, ...). Message says how to fix it."""

    exit_code = 2


class SourceError(NdrError):
    """A source could not be read after retries (network fault, server error). Other sources go on."""

    exit_code = 1
