"""The one place where analyses become JSON-ready dicts (design.md, "Interfaces other tools rely on")."""

from __future__ import annotations

import json
import math
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
    """One JSON Lines line (no trailing newline): `_ENCODER.encode(to_dict(analysis, source))`, written
    directly (no dicts and lists built first: they were half of the cost of the JSON line)."""
    body = _json_value(analysis)
    head = '{"source":' + (_ENCODE_STR(source) if source.__class__ is str else _ENCODER.encode(source))
    return head + "}" if body == "{}" else head + "," + body[1:]


# The JSON text of a value, as _ENCODER.encode(_convert(value)) gives it, written directly: strings by the
# encoder's own string function, exact int/float/bool as the C encoder writes them, each dataclass type by
# one generated f-string (its field names written once), tuples as lists; anything else (enums with
# non-string values, subclasses, ...) through _convert and the encoder.
_ENCODE_STR: Callable[[str], str] = json.encoder.encode_basestring
_TEXTS: dict[type, Callable[[Any], str]] = {}


def _json_value(value: Any) -> str:
    cls = value.__class__
    if cls is str:
        return _ENCODE_STR(value) if value else "null"
    if value is None:
        return "null"
    text = _TEXTS.get(cls)
    if text is not None:
        return text(value)
    if cls is tuple:
        return "[" + ",".join([_json_value(v) for v in value]) + "]"
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return int.__repr__(value)
    if cls is float:
        return float.__repr__(value) if math.isfinite(value) else _ENCODER.encode(value)
    if cls not in _OTHERS:
        if is_dataclass(value) and not isinstance(value, type):
            return _text_function(cls, value)(value)
        _OTHERS.add(cls)  # enums, ...: not asked again
    if isinstance(value, Enum) and value._value_.__class__ is str:  # _value_: what .value (a property) reads
        return _ENCODE_STR(value._value_)  # _convert gives the value (even ""), the encoder a string
    return _ENCODER.encode(_convert(value))


def _pairs_json(value: Any) -> str:
    """A _PAIRS field: {k: w for k, w in value} or None, encoded."""
    pairs = {k: w for k, w in value}  # noqa: C416 - as _converter (dict() would copy a mapping)
    return _ENCODER.encode(pairs) if pairs else "null"


def _text_function(cls: type, value: Any) -> Callable[[Any], str]:
    """The generated f-string of one dataclass type (the same fields, names and order as _converter)."""
    parts = []
    for f in fields(value):
        if f.name in _SKIP:
            continue
        if not f.name.isidentifier():
            raise ValueError(f"field {f.name!r}")
        key = _ENCODE_STR(_RENAME.get(f.name, f.name))  # as the encoder writes a key
        if "{" in key or "}" in key or "'" in key or "\\" in key:
            raise ValueError(f"field {f.name!r}")
        if f.name in _PAIRS:
            parts.append(f"{key}:{{_pairs(v.{f.name})}}")
        else:  # None, str ("" -> null) and () inline; anything else through _value
            parts.append(f'{key}:{{"null" if (x := v.{f.name}) is None else (_str(x) if x else "null") '
                         f'if x.__class__ is str else ("[]" if not x else _value(x)) if x.__class__ is tuple '
                         f"else _value(x)}}")
    source = "def text(v):\n    return f'{{" + ",".join(parts) + "}}'\n"
    namespace: dict[str, Any] = {"_str": _ENCODE_STR, "_value": _json_value, "_pairs": _pairs_json}
    exec(compile(source, f"<to_json of {cls.__name__}>", "exec"), namespace)  # noqa: S102 - from our own dataclasses
    text: Callable[[Any], str] = namespace["text"]
    _TEXTS[cls] = text
    return text
