"""Searching long report texts for labelled lines without scanning all of them with a regex.

A case-insensitive alternation of many localized labels (re.I) costs Python's regex engine several
microseconds per kilobyte at every search, and an Exchange NDR's text is searched for a dozen of them.
`LineLabel` wraps such a regex with the lowercase literals one of which every match holds on the line
where it starts: it finds the first literal with str.find and runs the regex from the start of that
line only (or not at all when no literal is there). The match is the one `pattern.search(text)` gives:

- every match starts at a line start (`^` with re.M) and holds a literal on that line, at or after
  its start, so no match starts before the line of the first literal in the text;
- a literal is in text.lower() whenever re.I matches it, except for letters re.I folds differently
  (analyzer.detectors.gate.fold tells; then the regex searches the whole text as before).

`any_literal` is the same test for an alternation of plain literals whose match is only tested for truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.detectors.gate import ASCII, SURE, check_markers, fold_level
from analyzer.regex import Regex


class LineLabel:
    """A `^`-anchored (re.M) label regex with the literals (lowercase) one of which each match holds on its line."""

    __slots__ = ("_ascii", "literals", "pattern")

    def __init__(self, pattern: Regex, literals: tuple[str, ...]) -> None:
        if not pattern.pattern.startswith("^") or not pattern.flags & re.M:
            raise ValueError(f"not a line-anchored pattern: {pattern.pattern[:40]!r}")
        check_markers(literals)
        self.pattern = pattern
        self.literals = literals
        self._ascii = tuple(x for x in literals if x.isascii())

    def _start(self, text: str, low: str | None) -> int | None:
        """Where the first match can start: the line of the first literal; None when no literal is in the text;
        0 when the lowercase cannot tell."""
        level = fold_level(text)
        if level > SURE:
            return 0
        if low is None or len(low) != len(text):
            low = text.lower()
            if len(low) != len(text):
                return 0
        first = -1
        for literal in self._ascii if level == ASCII else self.literals:
            i = low.find(literal)
            if i >= 0 and (first < 0 or i < first):
                first = i
        if first < 0:
            return None
        return text.rfind("\n", 0, first) + 1

    def search(self, text: str, low: str | None = None) -> re.Match[str] | None:
        """pattern.search(text); `low` is text.lower() when the caller has it."""
        start = self._start(text, low)
        return None if start is None else self.pattern.search(text, start)

    def finditer(self, text: str, low: str | None = None) -> Iterator[re.Match[str]]:
        """pattern.finditer(text)."""
        start = self._start(text, low)
        return iter(()) if start is None else self.pattern.finditer(text, start)


def any_literal(text: str, literals: tuple[str, ...], pattern: Regex) -> bool:
    """bool(pattern.search(text)) for a re.I `pattern` that is the alternation of `literals` (lowercase, plain)."""
    level = fold_level(text)
    if level > SURE:
        return pattern.search(text) is not None
    low = text.lower()
    return any(x in low for x in literals if level != ASCII or x.isascii())
