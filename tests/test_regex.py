"""Lazily compiled regular expressions (analyzer.regex): every one compiles, and behaves as re.compile's."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
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
    assert rx.literals() == ("user ",)
    assert may_match(rx, "550 user unknown") and not may_match(rx, "550 mailbox full")
    assert may_match(rx, None)  # non-ASCII text: no pre-check
    assert may_match(re.compile("x"), "y")  # compiled patterns are not pre-checked
