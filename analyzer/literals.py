"""Which of a fixed set of literal strings a text holds, all found in one pass (Aho-Corasick).

A table read behind literal pre-checks (the refusal phrases: some 560 literals per diagnostic) asked
`literal in text` for each literal, or ran one regular expression of all of them from every position
(the re module tries the alternatives one by one at each character). An Aho-Corasick automaton
(pyahocorasick, in C) reads the text once and reports every occurrence of every literal, overlapping
and nested ones included: the literals it reports are exactly those `in` the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

import ahocorasick  # pyahocorasick: no type information (pyproject's mypy overrides)

T = TypeVar("T")


class LiteralIndex(Generic[T]):
    """Literals, each with a value; `values(text)` gives the value of every literal found in the text."""

    __slots__ = ("_automaton",)

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        """`items`: (literal, value) pairs, literals non-empty and distinct."""
        automaton = ahocorasick.Automaton()
        for literal, value in items:
            if not literal:
                raise ValueError("an empty literal is in every text: leave it out")
            if not automaton.add_word(literal, value):
                raise ValueError(f"literal {literal!r} given twice")
        self._automaton = automaton if len(automaton) else None
        if self._automaton is not None:
            automaton.make_automaton()

    def holds_any(self, text: str) -> bool:
        """Whether one of the literals is in `text` (the pass stops at the first)."""
        if self._automaton is None or not text:
            return False
        return next(self._automaton.iter(text), None) is not None

    def values(self, text: str) -> list[T]:
        """The value of each literal occurrence in `text` (a literal found twice is listed twice)."""
        if self._automaton is None or not text:
            return []
        return [value for _, value in self._automaton.iter(text)]
