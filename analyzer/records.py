"""A faster constructor for the analyzer's frozen record classes (same signature, same stored values).

The `__init__` that `@dataclass(frozen=True, slots=True)` writes stores each field with
`object.__setattr__(self, name, value)` (a global lookup, an attribute lookup and a call per field):
building a Hop (12 fields) took 2.2 us, an Analysis 4 us, about 20 us of every analysis. `fast_init`
writes the same keyword-only `__init__` storing each field through its slot's own descriptor, bound
once: the stored values are the same (object.__setattr__ on a slot calls that descriptor), the
signature and defaults are the dataclass's (tests/test_records.py compares both constructors on every
record class, hypothesis-built values). Only plain records qualify: keyword-only fields with plain
defaults or none, no default_factory, no __post_init__, no init=False or InitVar fields; anything
else raises TypeError at import.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# The dataclass's own __init__ of each class given to fast_init (for the tests).
DATACLASS_INITS: dict[type, Callable[..., None]] = {}


def fast_init(cls: type[T]) -> type[T]:
    """Give a frozen, slotted, keyword-only dataclass a constructor that stores fields by descriptor."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: fast_init needs a frozen dataclass with slots")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: __post_init__ is not supported")
    namespace: dict[str, Any] = {}
    signature: list[str] = []
    body: list[str] = []
    setters: list[str] = []
    original = cls.__init__
    all_fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # checked above: a dataclass
    if len(inspect.signature(original).parameters) != len(all_fields) + 1:  # self, then the fields
        raise TypeError(f"{cls.__name__}: InitVar pseudo-fields are not supported")
    for n, f in enumerate(all_fields):
        if not f.init or not f.kw_only or f.default_factory is not dataclasses.MISSING or not f.name.isidentifier():
            raise TypeError(f"{cls.__name__}.{f.name}: only keyword-only fields with plain defaults are supported")
        if f.default is dataclasses.MISSING:
            signature.append(f.name)
        else:
            namespace[f"_default_{n}"] = f.default
            signature.append(f"{f.name}=_default_{n}")
        setters.append(f"_set_{n}")
        body.append(f"        _set_{n}(self, {f.name})")
    source = (f"def make({', '.join(setters)}):\n"
              f"    def __init__(self, *, {', '.join(signature)}):\n" + "\n".join(body or ["        pass"]) + "\n"
              "    return __init__\n")
    exec(compile(source, f"<fast_init of {cls.__name__}>", "exec"), namespace)  # noqa: S102 - our own fields
    init = namespace["make"](*(cls.__dict__[f.name].__set__ for f in all_fields))
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = original.__doc__
    init.__annotations__ = dict(original.__annotations__)
    DATACLASS_INITS[cls] = original
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
