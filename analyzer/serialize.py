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


def _convert(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            if f.name in _SKIP:
                continue
            item = getattr(value, f.name)
            if f.name in _PAIRS:
                out[f.name] = {k: v for k, v in item} or None  # noqa: C416 - pairs become an object
            else:
                out[_RENAME.get(f.name, f.name)] = _convert(item)
        return out
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
    return json.dumps(to_dict(analysis, source), ensure_ascii=False, separators=(",", ":"))
