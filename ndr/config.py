"""The configuration file (TOML) -> nested frozen records, validated in one place.

Every error is a ConfigError of one line naming the key: `sources[1].host: required`,
`sources[0].prot: unknown key`, `store.path: expected a string`.

Source types dispatch through ONE table, SOURCE_TYPES: each module provides
`parse_config(table, where) -> <Type>Config` (it receives the whole `[[sources]]` table, `name` and
`type` included) and `open_source(config, *, log) -> Connector`. Other top-level sections are
parsed by their owners' functions, listed in SECTIONS; a section whose parser is not installed is
kept as its raw table.

Paths: one rule for every file or directory the config names (PATH_KEYS): "~" is expanded, and a
relative path is taken from the config file's directory, never from the working directory (cron's
is not the user's). The values are resolved here, before the parsers see them.
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import platformdirs

from ndr.errors import ConfigError
from ndr.secrets import literal_secret_error

ENV_CONFIG = "NDR_CONFIG"  # environment variable naming the config file
# type -> module providing parse_config() and open_source() for it
SOURCE_TYPES: dict[str, str] = {
    "imap": "connectors.imap",
    "graph": "connectors.graph",
    "mbox": "connectors.local",
    "maildir": "connectors.local",
    "dir": "connectors.local",
}
# top-level section -> "module:function" parsing it: function(table: dict, where: str) -> record
SECTIONS: dict[str, str] = {
    "report": "reports.config:parse_report_config",
    "networks": "reports.config:parse_networks_config",
    "dns": "ndr.check.config:parse_dns_config",
    "scan": "ndr.scanconfig:parse_scan_config",
}
# Keys naming a file or directory, per place in the config: resolved by the rule above.
PATH_KEYS: dict[str, frozenset[str]] = {
    "store": frozenset({"path"}),
    "sources": frozenset({"path", "ca_file", "password_file", "client_secret_file", "certificate_file",
                          "certificate_key_file", "token_cache_file"}),
    "report": frozenset({"out"}),
}
_TOP_KEYS = ("store", "sources", *SECTIONS)
_STORE_KEYS = ("path",)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreConfig:
    """`[store]`."""

    path: Path  # the SQLite file (default: ndr.sqlite3 in the user's data directory)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One `[[sources]]` entry."""

    name: str  # unique; names the source in logs, the store and `ndr state`
    type: str  # a key of SOURCE_TYPES
    where: str  # its location for messages, e.g. "sources[0]"
    settings: object  # what the type's parse_config returned


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration."""

    file: Path | None  # where it was read from (None: built in code)
    store: StoreConfig
    sources: tuple[SourceConfig, ...] = ()
    sections: tuple[tuple[str, object], ...] = ()  # (name, parsed record or raw table) of SECTIONS present

    def section(self, name: str) -> object | None:
        """A parsed top-level section ([report], [networks], [dns]); None when absent."""
        return next((value for key, value in self.sections if key == name), None)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)


def default_config_path() -> Path:
    """$NDR_CONFIG, else config.toml in the user's config directory (e.g. ~/.config/ndr/)."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path("ndr") / "config.toml"


def default_store_path() -> Path:
    """ndr.sqlite3 in the user's data directory (e.g. ~/.local/share/ndr/)."""
    return platformdirs.user_data_path("ndr") / "ndr.sqlite3"


def load_config(path: Path | None = None) -> Config:
    """Read and validate a config file (default: default_config_path()). Errors start with the file's path."""
    file = path if path is not None else default_config_path()
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        hint = "" if path is not None else f" (pass --config, or set {ENV_CONFIG})"
        raise ConfigError(f"{file}: no such config file; start from config.example.toml{hint}") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    try:
        return parse(data, base=file.absolute().parent, file=file)
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from None


def parse(data: dict[str, Any], *, base: Path | None = None, file: Path | None = None) -> Config:
    """Validate a decoded TOML document. `base` (the config file's directory) resolves relative paths;
    without it they stay relative to the working directory."""
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{key}: unknown key")
    return Config(
        file=file,
        store=_store(_with_paths(data.get("store"), "store", base), base),
        sources=_sources(_with_paths(data.get("sources"), "sources", base)),
        sections=tuple((name, _section(name, _with_paths(data[name], name, base))) for name in SECTIONS
                       if name in data),
    )


def resolve_path(value: str, base: Path | None) -> str:
    """A path as the config means it: "~" expanded, a relative one taken from `base` (when given)."""
    path = Path(value.strip()).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return str(path)


def _with_paths(value: object, place: str, base: Path | None) -> Any:
    """`value` (a table, or for sources an array of tables) with its PATH_KEYS string values resolved.
    Anything else is returned as it is, for the parsers to report."""
    keys = PATH_KEYS.get(place)
    if keys is None:
        return value
    if isinstance(value, list):
        return [_with_paths(item, place, base) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: resolve_path(v, base) if k in keys and isinstance(v, str) and v.strip() else v
            for k, v in value.items()}


def _store(table: object, base: Path | None) -> StoreConfig:
    if table is None:
        return StoreConfig(path=default_store_path())
    if not isinstance(table, dict):
        raise ConfigError("store: expected a table ([store])")
    for key in table:
        if key not in _STORE_KEYS:
            raise ConfigError(f"store.{key}: unknown key")
    raw = table.get("path")
    if raw is None:
        return StoreConfig(path=default_store_path())
    if not isinstance(raw, str):
        raise ConfigError("store.path: expected a string")
    if not raw.strip():
        raise ConfigError("store.path: must not be empty")
    return StoreConfig(path=Path(resolve_path(raw, base)))


def _sources(value: object) -> tuple[SourceConfig, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError("sources: expected an array of tables ([[sources]])")
    seen: dict[str, str] = {}
    out: list[SourceConfig] = []
    for index, table in enumerate(value):
        where = f"sources[{index}]"
        name = _source_name(table, where)
        if name in seen:
            raise ConfigError(f"{where}.name: duplicate source name {name!r} (also {seen[name]})")
        seen[name] = where
        type_ = _source_type(table, where)
        secret = literal_secret_error(table, where)
        if secret is not None:
            raise secret
        settings = source_module(type_, where).parse_config(table, where)
        out.append(SourceConfig(name=name, type=type_, where=where, settings=settings))
    return tuple(out)


def _source_name(table: dict[str, object], where: str) -> str:
    name = table.get("name")
    if name is None:
        raise ConfigError(f"{where}.name: required")
    if not isinstance(name, str):
        raise ConfigError(f"{where}.name: expected a string")
    if not _NAME.match(name):
        raise ConfigError(f"{where}.name: use 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)")
    return name


def _source_type(table: dict[str, object], where: str) -> str:
    type_ = table.get("type")
    known = ", ".join(sorted(SOURCE_TYPES))
    if type_ is None:
        raise ConfigError(f"{where}.type: required (one of {known})")
    if not isinstance(type_, str):
        raise ConfigError(f"{where}.type: expected a string")
    if type_ not in SOURCE_TYPES:
        raise ConfigError(f"{where}.type: unknown type {type_!r} (expected one of {known})")
    return type_


def source_module(type_: str, where: str = "sources") -> ModuleType:
    """The module implementing a source type (parse_config, open_source, optional describe_cursor)."""
    name = SOURCE_TYPES[type_]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise ConfigError(f"{where}.type: {type_!r} sources are not available in this installation "
                          f"(module {name} is missing)") from None


def _section(name: str, table: object) -> object:
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: expected a table ([{name}])")
    module_name, func_name = SECTIONS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return table  # its parser is not installed yet: keep the raw table
        raise
    parser = getattr(module, func_name, None)
    if parser is None:
        return table
    return cast(Callable[[dict[str, object], str], object], parser)(table, name)
