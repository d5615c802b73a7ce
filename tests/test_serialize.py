"""analyzer.serialize.to_json writes the JSON text directly: byte for byte what the encoder makes of to_dict.

The reference is `_ENCODER.encode(to_dict(analysis, source))` (the dicts and lists built first, then
json's encoder with the same settings). Compared on every golden sample, every corpus message, and on
hypothesis-built analyses whose fields hold anything a record could hold (None, "", any text, control
characters and non-BMP characters, ints, bools, floats with NaN and infinities, enums, nested tuples, lists
and dicts).
"""

from __future__ import annotations

import json
from dataclasses import fields
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import analyze
from analyzer.model import Analysis, AntiSpam, AuthResult, Hop, Kind, Original, Recipient
from analyzer.reasons import Reason
from analyzer.serialize import _ENCODER, to_dict, to_json
from tests.conftest import require
from tests.corpus_eval import CORPUS

SAMPLES = Path(__file__).parent / "samples"


def reference(analysis: Any, source: str | None) -> str:
    return _ENCODER.encode(to_dict(analysis, source))


def test_golden_samples_same_text() -> None:
    emls = sorted(SAMPLES.rglob("*.eml"))
    assert emls
    for eml in emls:
        analysis = analyze(eml.read_bytes())
        assert to_json(analysis, eml.name) == reference(analysis, eml.name), eml
        assert to_json(analysis) == reference(analysis, None), eml


def test_corpus_same_text() -> None:
    files = sorted((CORPUS / "maildir").rglob("*.eml"))
    require(f"the shared corpus at {CORPUS}", bool(files))
    for path in files:
        analysis = analyze(path.read_bytes())
        assert to_json(analysis, str(path)) == reference(analysis, str(path)), path


class _Odd(Enum):
    """An enum whose values are not strings (the encoder writes them as they are)."""

    ONE = 1
    EMPTY = ""


class _Label(StrEnum):
    EMPTY = ""
    X = "x\u00e9\"\\"


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", " ", "\x00", "\u2028", "\U0001f600", '"', "\\", "</script>", "{}"])
SCALARS = st.one_of(
    st.none(), TEXT, st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*Reason, *Kind, *_Odd, *_Label]),
)
ANY = st.recursive(SCALARS, lambda inner: (st.tuples(inner) | st.lists(inner, max_size=3).map(tuple)
                                           | st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2)),
                   max_leaves=6)
PAIRS = st.lists(st.tuples(TEXT, TEXT | st.integers() | st.none()), max_size=4).map(tuple)


def records(cls: type, **special: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Instances of a record type with any value in every field (records do not check their types)."""
    return st.builds(cls, **{f.name: special.get(f.name, ANY) for f in fields(cls)})


HOPS = st.lists(records(Hop), max_size=3).map(tuple)
AUTH = st.lists(records(AuthResult, properties=PAIRS),
                max_size=3).map(tuple)
ANTISPAM = st.none() | records(AntiSpam)
ORIGINAL = st.none() | records(Original, hops=HOPS, auth=AUTH, antispam=ANTISPAM)
RECIPIENTS = st.lists(records(Recipient), max_size=3).map(tuple)
ANALYSES = records(Analysis, recipients=RECIPIENTS, original=ORIGINAL, hops=HOPS, auth=AUTH, antispam=ANTISPAM)


@settings(max_examples=300, deadline=None)
@given(ANALYSES, st.none() | TEXT)
def test_any_record_same_text(analysis: Analysis, source: str | None) -> None:
    try:
        expected = reference(analysis, source)
    except TypeError:  # what the encoder cannot write (an enum inside a list): to_json cannot either
        with pytest.raises(TypeError):
            to_json(analysis, source)
        return
    assert to_json(analysis, source) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0.1, -0.0, 10**30, True, False])
def test_scalars_as_the_encoder_writes_them(value: object) -> None:
    analysis = Analysis(kind=Kind.BOUNCE, hops=(Hop(delay_s=value),))  # type: ignore[arg-type]
    assert to_json(analysis) == reference(analysis, None)
    json.loads(to_json(analysis))
