"""The one place where analyses become JSON-ready dicts (design.md, "Interfaces other tools rely on")."""

from __future__ import annotations

import json
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

# Per dataclass type, its fields as (attribute, JSON name, is_pairs), read once with dataclasses.fields:
# reflecting on every object was a sixth of the cost of an analysis.
_Plan = tuple[tuple[str, str, bool], ...]
_PLANS: dict[type, _Plan] = {}
_SCALARS = frozenset({int, float, bool})
# json.dumps(obj, ensure_ascii=False, separators=(",", ":")) builds this encoder on every call: build it once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _plan(cls: type, value: Any) -> _Plan:
    plan = tuple((f.name, _RENAME.get(f.name, f.name), f.name in _PAIRS) for f in fields(value) if f.name not in _SKIP)
    _PLANS[cls] = plan
    return plan


def _convert(value: Any) -> Any:
    """JSON-ready form: dataclasses as objects, enums as values, tuples as lists, "" as None."""
    cls = type(value)
    if cls is str:
        return value or None
    if value is None or cls in _SCALARS:
        return value
    plan = _PLANS.get(cls)
    if plan is None and is_dataclass(value) and not isinstance(value, type):
        plan = _plan(cls, value)
    if plan is not None:
        out: dict[str, Any] = {}
        for name, key, pairs in plan:
            item = getattr(value, name)
            if pairs:
                out[key] = {k: v for k, v in item} or None  # noqa: C416 - pairs become an object
            elif item is None:
                out[key] = None
            elif type(item) is str:
                out[key] = item or None
            else:
                out[key] = _convert(item)
        return out
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
