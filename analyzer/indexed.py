"""A compat32 Message whose header lookups are dictionary lookups.

The stdlib Message scans every header, lower-casing each name, on every `get`, `get_all` and `in`
(and `get_content_type`, `get_param`, `get_payload(decode=True)` call `get`): with some thirty headers
and dozens of lookups per message that was a tenth of the analysis. IndexedMessage builds a
name -> positions index on first use and answers from it, with the same results: the first value
(all values, in order), passed through the same `policy.header_fetch_parse`. The index is rebuilt
whenever the header list is replaced or changes length (every Message method that adds or removes a
header does one of the two; replace_header keeps the name, so the positions stay right).
"""

from __future__ import annotations

from email.message import Message
from typing import Any


class IndexedMessage(Message):
    """email.message.Message with indexed header lookups (same results)."""

    _headers: list[tuple[str, Any]]  # the stdlib's own header list (set by Message.__init__)
    _ndr_index: tuple[list[tuple[str, Any]], int, dict[str, list[int]]] | None = None

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

    def get(self, name: str, failobj: Any = None) -> Any:
        positions = self._positions().get(name.lower())
        if not positions:
            return failobj
        key, value = self._headers[positions[0]]
        return self.policy.header_fetch_parse(key, value)

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def get_all(self, name: str, failobj: Any = None) -> Any:
        positions = self._positions().get(name.lower())
        if not positions:
            return failobj
        fetch = self.policy.header_fetch_parse
        headers = self._headers
        return [fetch(headers[i][0], headers[i][1]) for i in positions]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._positions()
