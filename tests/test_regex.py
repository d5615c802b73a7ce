"""Lazily compiled regular expressions (analyzer.regex): every one compiles, and behaves as re.compile's."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import random
import re
from collections.abc import Iterator

import analyzer
from analyzer.regex import LazyRegex, lazy


def _lazies(value: object, depth: int = 0) -> Iterator[LazyRegex]:
    if isinstance(value, LazyRegex):
        yield value
    elif depth < 4 and isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _lazies(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _lazies(item, depth + 1)
    elif depth < 4 and dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _lazies(getattr(value, f.name), depth + 1)


def test_every_lazy_regex_of_the_analyzer_compiles() -> None:
    found = 0
    for info in pkgutil.walk_packages(analyzer.__path__, "analyzer."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            for rx in _lazies(value):
                assert rx.compiled().pattern == rx.pattern
                found += 1
    assert found > 300  # the provider rules, detector formats, diagnostic patterns, ...


def test_same_answers_as_re_compile() -> None:
    source, flags = r"^(?:host|server)\s+(\S+)", re.I | re.M
    rx, ref = lazy(source, flags), re.compile(source, flags)
    text = "x\nHost mx.example.com\nserver b\n"
    assert rx.pattern == source and rx.flags == flags
    assert rx.search(text).span() == ref.search(text).span()  # type: ignore[union-attr]
    assert [m.group(1) for m in rx.finditer(text)] == [m.group(1) for m in ref.finditer(text)]
    assert rx.findall(text) == ref.findall(text) and rx.sub("-", text) == ref.sub("-", text)
    assert rx.match(text) is None and rx.fullmatch("host a") is not None
    assert rx.split(text) == ref.split(text) and rx.subn("-", text) == ref.subn("-", text)
    assert rx.search(text, 3) is not None and rx.search(text, 0, 2) is None


def test_compiled_on_first_use_only() -> None:
    rx = lazy(r"(unbalanced")  # a bad pattern is not an error until it is used
    try:
        rx.search("x")
    except re.error:
        pass
    else:
        raise AssertionError("re.error expected")


def test_literal_pre_checks_never_hide_a_match() -> None:
    """Every line of every golden sample: a lazy pattern that matches it passes its own literal pre-check."""
    from pathlib import Path

    from analyzer.regex import may_match

    samples = Path(__file__).parent / "samples"
    lines = {line.strip() for p in samples.rglob("*.eml")
             for line in p.read_bytes().decode("utf-8", "replace").splitlines() if line.strip()}
    lines |= {line for p in samples.rglob("*.json") for line in p.read_text(encoding="utf-8").split('"')}
    texts = sorted(x for x in lines if x.isascii())
    patterns = {id(rx): rx for info in pkgutil.walk_packages(analyzer.__path__, "analyzer.")
                for value in vars(importlib.import_module(info.name)).values() for rx in _lazies(value)}
    checked = 0
    for rx in patterns.values():
        if rx.literals() is None:
            continue
        for text in texts:
            if rx.search(text) is not None:
                checked += 1
                assert may_match(rx, text.lower()), (rx.pattern, text)
    assert checked > 1000


def test_may_match() -> None:
    from analyzer.regex import may_match

    rx = lazy(r"user (?:unknown|not found)", re.I)
    assert rx.literals() == ("user unknown", "user not found")
    assert may_match(rx, "550 user unknown") and not may_match(rx, "550 mailbox full")
    assert not may_match(rx, "550 user is over quota")
    assert may_match(rx, None)  # non-ASCII text: no pre-check
    assert may_match(re.compile("x"), "y")  # compiled patterns are not pre-checked


def _patterns_with_literals() -> list[LazyRegex]:
    patterns = {id(rx): rx for info in pkgutil.walk_packages(analyzer.__path__, "analyzer.")
                for value in vars(importlib.import_module(info.name)).values() for rx in _lazies(value)}
    return [rx for rx in patterns.values() if rx.literals() is not None]


def test_variants_write_out_plain_groups_only() -> None:
    from analyzer.regex import literals_of, variants

    assert variants(r"a (?:b|c)d") == ["a bd", "a cd"]
    assert variants(r"x(?:b|c)?y") == [r"x(?:b|c)?y"]  # optional: kept
    assert variants(r"(?<!q)(?:b|c)") == [r"(?<!q)b", r"(?<!q)c"]  # a lookbehind is not written out
    assert variants(r"[(|]x(y|z)") == [r"[(|]xy", r"[(|]xz"]  # '(' and '|' in a class are not syntax
    assert variants(r"(?:a|b)(?:c|d)", budget=2) == ["a(?:c|d)", "b(?:c|d)"]  # within the budget
    assert literals_of([lazy(r"(?:listed|blacklisted) here")]) == ("listed here",)
    assert literals_of([lazy(r"\bdmarc\b.{0,9}(?:x|y)")]) == ("dmarc",)  # a variant's shorter literal: the whole's


def _sample(pattern: str, flags: int, rng: random.Random) -> str:
    """A random text the pattern's syntax describes (lookarounds and anchors ignored: the caller searches)."""
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser as p  # type: ignore[attr-defined]

    def one_of(items: list[tuple[object, object]]) -> str:
        chars: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                chars.append(chr(av))  # type: ignore[arg-type]
            elif op is c.RANGE:
                lo, hi = av  # type: ignore[misc]
                chars.extend(chr(x) for x in range(lo, min(hi, lo + 40) + 1))
            elif op is c.CATEGORY:
                chars.extend({c.CATEGORY_DIGIT: "0123456789", c.CATEGORY_SPACE: " \t"}.get(av, "abcXYZ_09"))  # type: ignore[call-overload]
        return rng.choice(chars) if chars else "x"

    def gen(tokens: object) -> str:
        out: list[str] = []
        for op, av in tokens:  # type: ignore[attr-defined]
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.NOT_LITERAL:
                out.append("x" if chr(av) != "x" else "y")
            elif op is c.ANY:
                out.append(rng.choice("ab .:-"))
            elif op is c.IN:
                out.append("x" if av and av[0][0] is c.NEGATE else one_of(av))
            elif op is c.BRANCH:
                out.append(gen(rng.choice(av[1])))
            elif op is c.SUBPATTERN:
                out.append(gen(av[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                lo, hi, sub = av
                out.extend(gen(sub) for _ in range(rng.randint(lo, min(hi, lo + 3))))
            elif op is c.ATOMIC_GROUP:
                out.append(gen(av))
        return "".join(out)

    text = gen(p.parse(pattern, flags))
    return rng.choice(["", "550 ", "x "]) + text + rng.choice(["", " ", ".\n"])


def test_every_match_holds_one_of_the_literals() -> None:
    """Texts generated from each lazy pattern's syntax (40 per pattern, seeded) pass its literal pre-check
    whenever the pattern finds a match in them; the golden lines check real texts (above)."""
    from analyzer.regex import may_match

    rng = random.Random(20261128)
    checked = 0
    for rx in _patterns_with_literals():
        for _ in range(40):
            text = _sample(rx.pattern, rx.flags, rng)
            if rx.search(text) is not None and text.isascii():
                checked += 1
                assert may_match(rx, text.lower()), (rx.pattern, text)
    assert checked > 1000  # the generator produces matches for most patterns
