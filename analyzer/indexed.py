"""A compat32 Message whose header lookups are dictionary lookups.

The stdlib Message scans every header, lower-casing each name, on every `get`, `get_all` and `in`
(and `get_content_type`, `get_param`, `get_payload(decode=True)` call `get`): with some thirty headers
and dozens of lookups per message that was a tenth of the analysis. IndexedMessage builds a
name -> positions index on first use and answers from it, with the same results: the first value
(all values, in order), passed through the same `policy.header_fetch_parse` (which, for compat32,
returns a value without 8-bit bytes as it is: such values are returned directly). The index is rebuilt
whenever the header list is replaced or changes length (every Message method that adds or removes a
header does one of the two; replace_header keeps the name, so the positions stay right). The content
type is remembered the same way (and with the default type, which the parser sets for digest parts).
`get_param` (and so get_boundary, get_filename, get_content_charset) reads a plain parameter list
directly (see plain_param), with the stdlib's answer.
"""

from __future__ import annotations

from collections.abc import KeysView
from email._policybase import compat32
from email.message import Message
from email.utils import unquote as _unquote
from typing import Any

_SCAN = 6  # up to this many headers, `get` scans them like the stdlib does
ASK = "\0ask"  # plain_param: not a plain parameter list, ask the stdlib


def header_fields(msg: Message[Any, Any]) -> list[tuple[str, Any]]:
    """A message's header list as the parser stored it: (name, raw value) pairs in order (items() without
    policy.header_fetch_parse, which only changes 8-bit values)."""
    fields: list[tuple[str, Any]] = msg._headers  # type: ignore[attr-defined]
    return fields


def plain_param(value: str, param: str) -> str | None:
    """Message.get_param(param) (unquote=True) of a header value that is a plain parameter list: ASCII,
    no RFC 2231 `*`, no backslash, no quoted `;`. Then the stdlib's _parseparam splits at every `;`,
    lowercases and strips each name, and decode_params with get_param only unquote the value (quote()
    and unquote() cancel out without backslashes). None when absent; ASK for any other value."""
    if not value.isascii() or "*" in value or "\\" in value:
        return ASK
    params = value.split(";")
    if '"' in value and any(p.count('"') % 2 for p in params):
        return ASK  # a quoted ';': _parseparam joins segments
    key = param.lower()
    for p in params:
        name, _, raw = p.partition("=")
        if name.strip().lower() == key:
            return _unquote(raw.strip())
    return None


class IndexedMessage(Message):
    """email.message.Message with indexed header lookups (same results)."""

    _headers: list[tuple[str, Any]]  # the stdlib's own header list (set by Message.__init__)
    _default_type: str  # the stdlib's (set_default_type)
    _ndr_index: tuple[list[tuple[str, Any]], int, dict[str, list[int]]] | None = None
    _ndr_type: tuple[list[tuple[str, Any]], int, str, str] | None = None

    def _positions(self) -> dict[str, list[int]]:
        headers = self._headers
        index = self._ndr_index
        if index is None or index[0] is not headers or index[1] != len(headers):
            table: dict[str, list[int]] = {}
            for i, (name, _) in enumerate(headers):
                table.setdefault(name.lower(), []).append(i)
            index = (headers, len(headers), table)
            self._ndr_index = index
        return index[2]

    def names(self) -> KeysView[str]:
        """The header names present, lowercase (the index's keys: no list of names built per call)."""
        return self._positions().keys()

    def get(self, name: str, failobj: Any = None) -> Any:
        headers = self._headers
        if len(headers) <= _SCAN:  # a part's few headers: scanning beats building an index
            key = name.lower()
            for field in headers:
                if field[0].lower() == key:
                    k, v = field
                    break
            else:
                return failobj
        else:
            index = self._ndr_index
            table = index[2] if index is not None and index[0] is headers and index[1] == len(headers) else (
                self._positions())
            positions = table.get(name.lower())
            if not positions:
                return failobj
            k, v = headers[positions[0]]
        if v.__class__ is str and v.isascii() and self.policy is compat32:
            return v  # what compat32's header_fetch_parse returns for a value without 8-bit bytes
        fetch: Any = self.policy.header_fetch_parse
        return fetch(k, v)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def get_all(self, name: str, failobj: Any = None) -> Any:
        positions = self._positions().get(name.lower())
        if not positions:
            return failobj
        fetch: Any = self.policy.header_fetch_parse
        plain = self.policy is compat32
        values = []
        for i in positions:
            k, v = self._headers[i]
            values.append(v if plain and v.__class__ is str and v.isascii() else fetch(k, v))
        return values

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._positions()

    def replace_header(self, _name: str, _value: Any) -> None:
        self._ndr_type = None  # same list, same length: the remembered content type may be stale
        super().replace_header(_name, _value)

    def get_param(self, param: str, failobj: Any = None, header: str = "content-type", unquote: bool = True) -> Any:
        """Message.get_param, read directly when the header is a plain parameter list (same answer)."""
        value = self.get(header)
        if value is None:
            return failobj  # the header is absent (present values are never None)
        if unquote and isinstance(value, str):
            found = plain_param(value, param)
            if found is not ASK:
                return failobj if found is None else found
        return super().get_param(param, failobj, header, unquote)

    def remember_content_type(self, ctype: str) -> None:
        """Record what get_content_type() answers for the current headers (a parser that read them knows)."""
        self._ndr_type = (self._headers, len(self._headers), self._default_type, ctype)

    def get_content_type(self) -> str:
        """Message.get_content_type, remembered until the headers or the default type change."""
        headers, default = self._headers, self._default_type
        cached = self._ndr_type
        if cached is not None and cached[0] is headers and cached[1] == len(headers) and cached[2] == default:
            return cached[3]
        value = super().get_content_type()
        self._ndr_type = (headers, len(headers), default, value)
        return value
