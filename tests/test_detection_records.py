"""The detection and classification records built by analyzer.records.fast_init: the dataclass's own constructor,
field for field (as tests/test_records.py checks the analysis records)."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.classify import Verdict
from analyzer.detectors.base import Detection, Found
from analyzer.dsn import DsnRecipient, DsnReport
from analyzer.reasons import Reason
from analyzer.records import DATACLASS_INITS

RECORDS = (Found, Detection, DsnRecipient, DsnReport, Verdict)
VALUES = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans(), st.tuples(st.text(max_size=5)),
                   st.sampled_from(list(Reason)))


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_the_fast_constructor_has_the_dataclass_signature(cls: Any) -> None:
    assert cls.__init__ is not DATACLASS_INITS[cls]
    assert inspect.signature(cls.__init__) == inspect.signature(DATACLASS_INITS[cls])


def _stored(obj: Any) -> list[Any]:
    return [getattr(obj, f.name) for f in dataclasses.fields(obj)]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_same_values_stored(cls: Any, data: st.DataObject) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    kwargs = {name: data.draw(VALUES) for name in dict.fromkeys([*required, *chosen])}
    fast = cls(**kwargs)
    slow: Any = object.__new__(cls)
    DATACLASS_INITS[cls](slow, **kwargs)
    assert _stored(fast) == _stored(slow) and fast == slow and repr(fast) == repr(slow)
    assert dataclasses.replace(fast) == fast
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.__setattr__(names[0], None)
    with pytest.raises(TypeError):
        cls(**kwargs, no_such_field=1)
