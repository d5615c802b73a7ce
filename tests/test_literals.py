"""analyzer.literals.LiteralIndex finds exactly the literals `in` a text (overlapping, nested, any characters)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.literals import LiteralIndex

LITERALS = ("mailbox ", "mailbox is full", "is full", "box", "ull", "a", "aa", "\u00e9t\u00e9", "\udce9x",
            "\U0001f600", "#5.1.1 bad", ".", "x(y")


def found(index: LiteralIndex[str], text: str) -> set[str]:
    return set(index.values(text))


def test_overlapping_and_nested_literals_are_all_found() -> None:
    index = LiteralIndex((literal, literal) for literal in LITERALS)
    assert found(index, "550 mailbox is full") == {"mailbox ", "mailbox is full", "is full", "box", "ull", "a"}
    assert sorted(index.values("aaa")) == ["a", "a", "a", "aa", "aa"]  # every occurrence
    assert found(index, "\u00e9t\u00e9 \udce9x \U0001f600 x(y.") == {"\u00e9t\u00e9", "\udce9x", "\U0001f600", "x(y",
                                                                      "."}
    assert found(index, "") == set()


def test_no_literals_and_bad_literals() -> None:
    assert LiteralIndex[str](()).values("anything") == []
    assert not LiteralIndex[str](()).holds_any("anything") and not LiteralIndex([("a", 1)]).holds_any("")
    with pytest.raises(ValueError, match="empty"):
        LiteralIndex([("", 1)])
    with pytest.raises(ValueError, match="twice"):
        LiteralIndex([("a", 1), ("a", 2)])


_CHARS = st.sampled_from(["a", "b", " ", "\u00e9", "\udce9", "\U0001f600", "."])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_CHARS, min_size=1, max_size=4), min_size=1, max_size=12, unique=True),
       st.text(_CHARS, max_size=40))
def test_the_literals_found_are_those_in_the_text(literals: list[str], text: str) -> None:
    index = LiteralIndex((literal, literal) for literal in literals)
    assert found(index, text) == {literal for literal in literals if literal in text}
    assert index.holds_any(text) == any(literal in text for literal in literals)
