"""analyzer.records.fast_init: the records' faster constructor is the dataclass's own, field for field.

Every class given to fast_init is compared with the __init__ dataclass wrote for it: the same signature
(names, kinds, defaults, annotations), the same stored values for hypothesis-built keyword arguments of
any subset of the fields, the same errors for missing or unknown arguments, still frozen.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyzer.analyze  # every module whose records use fast_init
import analyzer.headers.facts
from analyzer import model
from analyzer.classify import Verdict
from analyzer.detectors.base import Detection, Found
from analyzer.dsn import DsnRecipient, DsnReport
from analyzer.reasons import Reason
from analyzer.records import DATACLASS_INITS, fast_init

MODEL_RECORDS = (model.Hop, model.AuthResult, model.AntiSpam, model.Original, model.Recipient, model.Analysis,
                 analyzer.headers.facts.HeaderFacts, Found, Detection, DsnRecipient, DsnReport, Verdict)
RECORDS = tuple(sorted(DATACLASS_INITS, key=lambda c: f"{c.__module__}.{c.__qualname__}"))  # every user's records
VALUES = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats(allow_nan=False),
                   st.booleans(), st.tuples(st.text(max_size=5)), st.sampled_from(list(model.Kind)),
                   st.sampled_from(list(Reason)))


def test_every_record_class_has_the_fast_constructor() -> None:
    assert set(MODEL_RECORDS) <= set(RECORDS)
    for cls in RECORDS:
        assert cls.__init__ is not DATACLASS_INITS[cls]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_same_signature(cls: type) -> None:
    assert inspect.signature(cls.__init__) == inspect.signature(DATACLASS_INITS[cls])


def _stored(obj: Any) -> list[Any]:
    return [getattr(obj, f.name) for f in dataclasses.fields(obj)]


def _both(cls: type, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    fast = cls(**kwargs)
    slow = object.__new__(cls)
    DATACLASS_INITS[cls](slow, **kwargs)
    return fast, slow


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_same_values(cls: type, data: st.DataObject) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    kwargs = {name: data.draw(VALUES) for name in dict.fromkeys([*required, *chosen])}
    fast, slow = _both(cls, kwargs)
    assert _stored(fast) == _stored(slow)
    assert [type(v) for v in _stored(fast)] == [type(v) for v in _stored(slow)]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.__setattr__(names[0], None)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_same_errors(cls: type) -> None:
    required = {f.name: None for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
    for kwargs in ({**required, "no_such_field": 1}, {}):
        if not kwargs and not required:
            continue
        with pytest.raises(TypeError):
            cls(**kwargs)
        with pytest.raises(TypeError):
            DATACLASS_INITS[cls](object.__new__(cls), **kwargs)
    with pytest.raises(TypeError):
        cls(None, **required)  # keyword-only


def test_unsupported_records_are_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class WithFactory:
        items: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class WithPostInit:
        x: int = 0

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class Positional:
        x: int = 0

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class NoSlots:
        x: int = 0

    for cls in (WithFactory, WithPostInit, Positional, NoSlots):
        with pytest.raises(TypeError):
            fast_init(cls)
