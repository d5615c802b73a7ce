"""Regular expressions compiled on first use.

The analyzer's tables hold some five hundred regular expressions (provider rules, detector formats,
diagnostic patterns); compiling them all at import was most of `ndr triage`'s start-up, while one
message uses a few dozen. `lazy(pattern, flags)` stands for `re.compile(pattern, flags)`: it keeps the
source (`.pattern`, `.flags`) and compiles on the first call of a matching method, after which that
method is the compiled pattern's own (bound, stored in the slot: no extra call on later uses).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+[):]")  # (?x), (?i:...): flags written in the pattern
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


def _odd_letters() -> str:
    """Letters that re.I matches to a letter their str.lower() differs from (from re's own case table)."""
    try:  # CPython's table of the extra case-insensitive matches (re/_casefix.py)
        extra: dict[int, tuple[int, ...]] = importlib.import_module("re._casefix")._EXTRA_CASES
    except (ImportError, AttributeError):  # another implementation: every non-ASCII letter is odd
        return ""
    letters = {chr(c) for c in extra} | {chr(c) for v in extra.values() for c in v}
    return "".join(sorted(c for c in letters | {"\u0130", "\u03a3", "\u212a"} if not c.isascii()))


_ODD_LETTERS = _odd_letters()
# A value holding one of these may match a marker under re.I without holding it in lowercase: an ASCII
# marker only through the first three (U+0130, U+0131, U+017F), any marker through all of them.
FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f]")
FOLDS_ODDLY = re.compile("[" + re.escape(_ODD_LETTERS) + "]") if _ODD_LETTERS else re.compile(r"[^\x00-\x7f]")


def literal_lower(text: str) -> str | None:
    """text.lower() for ASCII literal pre-checks, or None when it cannot serve: a lowercase ASCII literal a
    case-insensitive pattern finds in `text` is in text.lower() unless the text holds U+0130, U+0131 or U+017F
    (re.I matches them to i and s; str.lower() does not). Non-ASCII text without them serves too."""
    if text.isascii() or FOLDS_TO_ASCII.search(text) is None:
        return text.lower()
    return None


class LazyRegex:
    """re.compile(pattern, flags), done when a method is first used."""

    __slots__ = ("_ascii", "_literals", "findall", "finditer", "flags", "fullmatch", "match", "pattern", "search",
                 "split", "sub", "subn")

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
        self._literals: tuple[str, ...] | bool | None = False  # False: not derived yet

    def literals(self) -> tuple[str, ...] | None:
        """Lowercase texts one of which every match contains (literals_of), derived once; None when unknown."""
        if self._literals is False:  # a verbose pattern's text is not its literal text
            verbose = self.flags & re.VERBOSE or _INLINE_FLAGS.search(self.pattern)
            literals = None if verbose else literals_of([self])
            self._ascii = literals is None or all(x.isascii() for x in literals)
            self._literals = literals
        return self._literals  # type: ignore[return-value]

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


def may_match(pattern: Regex, low: str | None) -> bool:
    """False only when `pattern` cannot match the text whose lowercase is `low` (none of its literals is in it).

    `low` is literal_lower(text) (None: no pre-check, the answer is True). Patterns compiled with
    re.compile are not pre-checked, nor non-ASCII literals in non-ASCII text.
    """
    if low is None or not isinstance(pattern, LazyRegex):
        return True
    literals = pattern.literals()
    if literals is None or (not pattern._ascii and not low.isascii()):
        return True
    return any(literal in low for literal in literals)


def lazy(pattern: str, flags: int = 0) -> LazyRegex:
    """A regular expression compiled on first use (see the module docstring)."""
    return LazyRegex(pattern, flags)


# Literal pre-checks: lowercase text every match of a (lowercase-written, re.I) pattern must contain.

_META = set("()[]{}?*+|^$.")
_ESCAPED_LITERAL = set(".()[]{}?*+|^$\\/-'\"#&<>:;,=!@%_ ")


def required_literal(fragment: str) -> str:
    """The longest piece of plain text every match of the (lowercase) regex fragment contains; '' if unsure.

    Used as a fast `in` pre-check before the regex runs. Conservative: text inside groups, before an
    optional quantifier, or in a fragment with a top-level alternation is not counted as required.
    """
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i = 0
    while i < len(fragment):
        c = fragment[i]
        nxt = fragment[i + 1] if i + 1 < len(fragment) else ""
        if c == "\\" and nxt in _ESCAPED_LITERAL and depth == 0:
            char, i = nxt, i + 2
        elif c == "\\":
            runs.append("".join(run))
            run, i = [], i + 2
            continue
        elif c in "([":
            depth += 1
            runs.append("".join(run))
            run, i = [], i + 1
            if c == "[":  # skip the class
                while i < len(fragment) and fragment[i] != "]":
                    i += 2 if fragment[i] == "\\" else 1
                depth -= 1
                i += 1
            continue
        elif c == ")":
            depth -= 1
            i += 1
            continue
        elif c == "|" and depth == 0:
            return ""
        elif c in _META or depth > 0:
            if c in "?*{" and run:
                run.pop()  # the previous character is optional
            runs.append("".join(run))
            run, i = [], i + 1
            if c == "{":
                while i < len(fragment) and fragment[i] != "}":
                    i += 1
                i += 1
            continue
        else:
            char, i = c, i + 1
        if (i < len(fragment) and fragment[i] in "?*") or fragment[i:i + 2] == "{0":
            runs.append("".join(run))
            run = []
            continue
        run.append(char)
    runs.append("".join(run))
    return max(runs, key=len) if runs else ""


def _syntax(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """The characters of `pattern` from `start` that are regex syntax: escapes and classes skipped."""
    i = start
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
        elif c == "[":  # a class: '(', '|' and ')' inside it are literal
            i = _class_end(pattern, i)
        else:
            yield i, c
            i += 1


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class starting at `start` ('[')."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _group_end(pattern: str, start: int) -> int:
    """The index of the ')' closing the group opened at `start`, or -1."""
    depth = 0
    for i, c in _syntax(pattern, start):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression ('a|b(c|d)' -> ['a', 'b(c|d)'])."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, c in _syntax(pattern):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    return out


MAX_VARIANTS = 32  # variants of one alternative that literals_of derives (group alternatives written out)


def variants(alternative: str, budget: int = MAX_VARIANTS) -> list[str]:
    """The alternative with each group of alternatives written out: 'a (?:b|c)d' -> ['a bd', 'a cd'].

    Only plain groups ('(?:' or '('), not quantified, are written out (each match of the alternative is a
    match of one variant, so a text every match of each variant holds is held by every match), at most
    `budget` variants; other groups are kept as they are.
    """
    skip_to = 0
    for i, c in _syntax(alternative):
        if i < skip_to or c != "(":
            continue
        end = _group_end(alternative, i)
        if end < 0:
            break
        plain = alternative.startswith("(?:", i) or not alternative.startswith("(?", i)
        quantified = end + 1 < len(alternative) and alternative[end + 1] in "?*+{"
        if plain and not quantified:
            choices = alternatives(alternative[i + (3 if alternative.startswith("(?:", i) else 1): end])
            if len(choices) <= budget:
                rest = budget // len(choices)
                head, tail = alternative[:i], alternative[end + 1:]
                return [v for choice in choices for v in variants(head + choice + tail, rest)]
        skip_to = end + 1
    return [alternative]


def literals_of(patterns: Sequence[Regex]) -> tuple[str, ...] | None:
    """Lowercase texts one of which every match of any of the patterns contains (a pre-check on
    text.lower()), or None when some alternative has no literal text to require. Groups of alternatives
    are written out first (`variants`): 'user (?:unknown|not found)' -> ('user unknown', 'user not found'); a
    variant keeps the alternative's own literal when its own is not longer, and a literal holding another one
    is dropped (the other one is in every text it is in)."""
    found: list[str] = []
    for pattern in patterns:
        for alternative in alternatives(pattern.pattern):
            whole = required_literal(alternative).lower()  # also in each variant: kept where a variant's is shorter
            for variant in variants(alternative):
                literal = required_literal(variant).lower()
                if len(whole) >= len(literal):
                    literal = whole
                if not literal:
                    return None
                found.append(literal)
    unique = dict.fromkeys(found)
    return tuple(x for x in unique if not any(o != x and o in x for o in unique))  # 'listed' covers 'blacklisted'
