"""Typed reads of one TOML table; every error is a ConfigError naming `where.key`."""

from __future__ import annotations

from collections.abc import Callable, Collection

from ndr.errors import ConfigError


class Keys:
    """Typed access to one table (a `[[sources]]` entry): `Keys(table, "sources[2]").text("tenant_id")`."""

    def __init__(self, table: dict[str, object], where: str) -> None:
        self.table, self.where = table, where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}.{key}: {problem}")

    def reject_unknown(self, known: Collection[str], kind: str) -> None:
        unknown = sorted(set(self.table) - set(known))
        if unknown:
            raise self.fail(unknown[0], f"unknown key for a {kind} source")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "required")
            return default
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_kind(value)}")
        if not value.strip():
            raise self.fail(key, "must not be empty")
        return value.strip()

    def required(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_kind(value)}")
        return value

    def number(self, key: str, default: float, check: Callable[[float], bool], rule: str) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {_kind(value)}")
        if not check(float(value)):
            raise self.fail(key, rule)
        return float(value)

    def integer(self, key: str, default: int, check: Callable[[int], bool], rule: str) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, not {_kind(value)}")
        if not check(value):
            raise self.fail(key, rule)
        return value

    def choice(self, key: str, choices: Collection[str], default: str) -> str:
        value = (self.text(key) or default).lower()
        if value not in choices:
            raise self.fail(key, f"must be one of {', '.join(repr(c) for c in choices)}, not {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...] | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value) or not value:
            raise self.fail(key, "must be a non-empty list of strings")
        return tuple(str(v).strip() for v in value)


def _kind(value: object) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)
