"""The one place where analyses become JSON-ready dicts (design.md, "Interfaces other tools rely on")."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from analyzer.model import Analysis

# Dataclass field names that differ from the JSON names.
_RENAME = {"from_": "from"}
# Fields kept out of the JSON (internal or bulky).
_SKIP = {"raw"}
# Tuples of (name, value) pairs that serialise as JSON objects.
_PAIRS = {"properties"}

# Per dataclass type, a function that builds its JSON object: the field list read once with
# dataclasses.fields and written out as one dict display (reflecting on every object, then looping over
# the fields, was a sixth of the cost of an analysis). Each value as _convert would give it.
_CONVERTERS: dict[type, Callable[[Any], dict[str, Any]]] = {}
_SCALARS = frozenset({int, float, bool})
_OTHERS: set[type] = set()  # types seen that are not dataclasses
# json.dumps(obj, ensure_ascii=False, separators=(",", ":")) builds this encoder on every call: build it once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _converter(cls: type, value: Any) -> Callable[[Any], dict[str, Any]]:
    items = []
    for f in fields(value):
        if f.name in _SKIP:
            continue
        if not f.name.isidentifier():
            raise ValueError(f"field {f.name!r}")
        key = json.dumps(_RENAME.get(f.name, f.name))
        if f.name in _PAIRS:
            items.append(f"{key}: ({{k: w for k, w in v.{f.name}}} or None)")
        else:  # None, str ("" -> None) and scalars inline; anything else through _convert
            items.append(f"{key}: (None if (x := v.{f.name}) is None else (x or None) if x.__class__ is str "
                         f"else x if x.__class__ in _SCALARS else _convert(x))")
    source = "def convert(v):\n    return {" + ", ".join(items) + "}\n"
    namespace: dict[str, Any] = {"_convert": _convert, "_SCALARS": _SCALARS}
    exec(compile(source, f"<to_dict of {cls.__name__}>", "exec"), namespace)  # noqa: S102 - from our own dataclasses
    convert: Callable[[Any], dict[str, Any]] = namespace["convert"]
    _CONVERTERS[cls] = convert
    return convert


def _convert(value: Any) -> Any:
    """JSON-ready form: dataclasses as objects, enums as values, tuples as lists, "" as None."""
    cls = type(value)
    if cls is str:
        return value or None
    if value is None or cls in _SCALARS:
        return value
    convert = _CONVERTERS.get(cls)
    if convert is None and cls not in _OTHERS:
        if is_dataclass(value) and not isinstance(value, type):
            convert = _converter(cls, value)
        else:
            _OTHERS.add(cls)  # enums, tuples, ...: not asked again
    if convert is not None:
        return convert(value)
    if cls is tuple:
        return [_convert(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_convert(v) for v in value]
    if value == "":
        return None
    return value


def to_dict(analysis: Analysis, source: str | None = None) -> dict[str, Any]:
    """The analysis as the JSON object of `ndr triage --json` (source first)."""
    body = _convert(analysis)
    return {"source": source, **body}


def to_json(analysis: Analysis, source: str | None = None) -> str:
    """One JSON Lines line (no trailing newline)."""
    return _ENCODER.encode(to_dict(analysis, source))
