"""analyzer.textutil fast paths give the answers of the plain forms they replace."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.textutil import unfold

_WS = re.compile(r"\s+")


def unfold_by_regex(value: str) -> str:
    """The plain form of unfold: every run of `\\s` one space, trimmed."""
    return _WS.sub(" ", value).strip()


def test_unfold_treats_every_character_as_the_regex_does() -> None:
    """Each code point alone, inside a word and doubled: str.split and \\s agree on all of them."""
    differ = []
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        for value in (c, f"a{c}b", f"a{c}{c}b", f"{c}x{c}"):
            if unfold(value) != unfold_by_regex(value):
                differ.append(hex(cp))
                break
    assert differ == []


_SPACES = st.sampled_from(" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\u200b\ufeff")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), _SPACES), max_size=30).map("".join))
def test_unfold_equals_the_regex_form(value: str) -> None:
    assert unfold(value) == unfold_by_regex(value)


def test_unfold_of_a_folded_header() -> None:
    folded = "  550 5.1.1 <user@example.com>:\r\n\tUser unknown  \n"
    assert unfold(folded) == "550 5.1.1 <user@example.com>: User unknown"
