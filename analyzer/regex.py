"""Regular expressions compiled on first use.

The analyzer's tables hold some five hundred regular expressions (provider rules, detector formats,
diagnostic patterns); compiling them all at import was most of `ndr triage`'s start-up, while one
message uses a few dozen. `lazy(pattern, flags)` stands for `re.compile(pattern, flags)`: it keeps the
source (`.pattern`, `.flags`) and compiles on the first call of a matching method, after which that
method is the compiled pattern's own (bound, stored in the slot: no extra call on later uses).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyRegex:
    """re.compile(pattern, flags), done when a method is first used."""

    __slots__ = ("findall", "finditer", "flags", "fullmatch", "match", "pattern", "search", "split", "sub", "subn")

    search: Callable[..., re.Match[str] | None]
    match: Callable[..., re.Match[str] | None]
    fullmatch: Callable[..., re.Match[str] | None]
    finditer: Callable[..., Iterator[re.Match[str]]]
    findall: Callable[..., list[Any]]
    sub: Callable[..., str]
    subn: Callable[..., tuple[str, int]]
    split: Callable[..., list[Any]]

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        """Called only while a method's slot is empty: compile, fill every method slot."""
        if name not in _METHODS:
            raise AttributeError(name)
        compiled = self.compiled()
        return getattr(compiled, name)

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not yet; re caches it)."""
        compiled = re.compile(self.pattern, self.flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return compiled

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags})"


Regex = re.Pattern[str] | LazyRegex  # what the analyzer's tables hold


def lazy(pattern: str, flags: int = 0) -> LazyRegex:
    """A regular expression compiled on first use (see the module docstring)."""
    return LazyRegex(pattern, flags)
