"""The plaintext detector's per-line phrase index answers as searching every phrase in each address's text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.classify.phrases import match
from analyzer.detectors.plaintext import _REASONS, _diagnostic, _following, _LineIndex

_PIECES = st.sampled_from([
    "<a@example.com>", "b@example.org:", " ", "  ", "550", "5.1.1", "user unknown", "User Unknown", "mailbox is full",
    "quota exceeded", "host not found", "message ", "no such user", "relay access denied", "x", "-", ":", ")", ">",
    "blocked", "spam", "timed out", "r\u00e9ponse", "\u017fpam",
])


def _reference(rest: str, following: list[str]) -> bool:
    parts = [rest.strip(" :>)-\t")] if rest.strip(" :>)-\t") else []
    text = " ".join(x for x in [*parts, *following] if x)[:4096]
    return bool(text) and any(match(reason, text) for reason in _REASONS)


@settings(max_examples=300, deadline=None)
@given(line=st.lists(_PIECES, min_size=1, max_size=30), after=st.lists(st.lists(_PIECES, max_size=6), max_size=3),
       cut=st.integers(min_value=0, max_value=200))
def test_index_gives_the_phrase_answer(line: list[str], after: list[list[str]], cut: int) -> None:
    text = " ".join(line)
    following = _following(["".join(x) for x in after])
    index = _LineIndex(text, following)
    for start in {0, min(cut, len(text)), len(text) // 2, len(text)}:
        rest = text[start:]
        parts = [rest.strip(" :>)-\t")] if rest.strip(" :>)-\t") else []
        beside = " ".join(x for x in [*parts, *following] if x)[:4096]
        if beside:
            assert index.has_phrase(beside) == _reference(rest, following), (text, start)


def test_a_long_line_of_addresses() -> None:
    line = "<a@example.com> " * 250 + "550 user unknown"
    index = _LineIndex(line, ["This message was created automatically"])
    assert index.places is not None
    assert _diagnostic(line[16:], ["This message was created automatically"], index) is not None
    assert not index.has_phrase("<a@example.com> <a@example.com>")
