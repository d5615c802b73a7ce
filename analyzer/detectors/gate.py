"""Detector gates: each detector's cheap necessary condition, as data, checked before it runs.

Most detectors return None after their own first checks (a sender, a subject, a header, a sentence of
their format). A detector declares those checks as a `Gate`: when the gate is closed the detector
provably returns None, so `analyze` skips it; first match wins in DETECTORS order as before (the
skip changes the time taken, never the winner: tests/test_detector_gates.py runs every detector on
every sample and checks that none whose gate is closed finds anything).

A gate is open when any of its clauses holds; a clause holds when each of its non-empty fields has a
hit (markers are lowercase; any one of a field's markers is a hit). A gate derived from a detector's
checks must be implied by them: weaker than the detector's test, never stronger. Rules for markers:
- a case-insensitive regular expression gives the literal every match contains, lowercased (e.g.
  `the following address(?:es)? failed:` -> "the following address");
- a bounded window (`text[:5000]`) gives the whole text (a superset);
- `re.I` matches a few letters that str.lower() does not produce (U+017F matches "s", U+0131 "i",
  U+1C82 "о", final sigma, ...): a value holding one of them counts as a hit of every marker
  (`FOLDS_ODDLY`), so a gate can only be too open there, never closed wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from analyzer.indexed import IndexedMessage
from analyzer.mime import Parsed
from analyzer.regex import FOLDS_ODDLY, FOLDS_TO_ASCII

# Kinds of test. The string values (_SENDER.._TEXT) are read once into Signals._values[kind].
_HEADERS, _FEEDBACK, _DSN, _SENDER, _SENDER_DECODED, _SUBJECT, _TITLE, _MESSAGE_ID, _REPORTING_MTA, _TEXT = range(10)
_DSN_FIELDS = 10  # a set test, as _HEADERS (no string value)
Test = tuple[int, tuple[str, ...], bool, tuple[str, ...]]  # (kind, markers, all markers ASCII, the ASCII markers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """One conjunction of cheap checks (empty fields are not checked)."""

    headers: tuple[str, ...] = ()  # one of these header names is present (lowercase names)
    sender: tuple[str, ...] = ()  # in the raw From (Parsed.raw_header), lowercased
    sender_decoded: tuple[str, ...] = ()  # in the decoded From (Parsed.header), lowercased
    subject: tuple[str, ...] = ()  # in the raw Subject, lowercased
    title: tuple[str, ...] = ()  # in the decoded Subject, lowercased
    message_id: tuple[str, ...] = ()  # in the raw Message-ID, lowercased
    reporting_mta: tuple[str, ...] = ()  # in Parsed.dsn.reporting_mta, lowercased
    text: tuple[str, ...] = ()  # in Parsed.lower (or in a multipart preamble, vendor_text.report_text)
    dsn: bool = False  # a delivery-status part with recipients (Parsed.dsn)
    dsn_fields: tuple[str, ...] = ()  # one of these per-message fields is in it (Parsed.dsn.message_fields names)
    feedback: bool = False  # a feedback-report part (Parsed.feedback)
    tests: tuple[Test, ...] = field(init=False, repr=False, compare=False)  # the fields above, in test order

    def __post_init__(self) -> None:
        for markers in (self.sender, self.sender_decoded, self.subject, self.title, self.message_id,
                        self.reporting_mta, self.text, self.dsn_fields):
            check_markers(markers)
        fields = ((_HEADERS, self.headers), (_FEEDBACK, ("",) if self.feedback else ()), (_SENDER, self.sender),
                  (_SENDER_DECODED, self.sender_decoded), (_SUBJECT, self.subject), (_TITLE, self.title),
                  (_MESSAGE_ID, self.message_id), (_REPORTING_MTA, self.reporting_mta),
                  (_DSN, ("",) if self.dsn else ()), (_DSN_FIELDS, self.dsn_fields),
                  (_TEXT, self.text))  # in test order: cheapest first
        searched = tuple((kind, _searched(markers) if kind == _TEXT else markers) for kind, markers in fields)
        tests = tuple((kind, markers, all(m.isascii() for m in markers), tuple(m for m in markers if m.isascii()))
                      for kind, markers in searched if markers)
        object.__setattr__(self, "tests", tests)


Gate = tuple[Clause, ...]  # open when any clause holds; () is always open

_SHARED_PREFIX = 16  # text markers sharing at least this many leading characters are searched as that prefix


def _searched(markers: tuple[str, ...]) -> tuple[str, ...]:
    """Fewer texts to search that still hit whenever one of `markers` is in a text: long common prefixes
    instead of the markers that share them, and no marker that holds another one (each search scans the
    whole text; a hit of the prefix is only a weaker, still necessary, condition)."""
    merged: list[str] = []
    for m in sorted(markers):
        if merged:
            n = 0
            last = merged[-1]
            while n < min(len(last), len(m)) and last[n] == m[n]:
                n += 1
            if n >= _SHARED_PREFIX:
                merged[-1] = last[:n]
                continue
        merged.append(m)
    return tuple(m for m in merged if not any(o != m and o in m for o in merged))


Folded = tuple[str, int]  # (the value lowercased, how sure: ASCII, SURE, ASCII_ONLY or UNSURE)
# A marker is in the value iff it is in its lowercase: ASCII (an ASCII value: no other marker can be in it),
# SURE (always), ASCII_ONLY (for ASCII markers), UNSURE (never: any marker may be in it).
ASCII, SURE, ASCII_ONLY, UNSURE = 0, 1, 2, 3
_ABSENT: Folded = ("", ASCII)
_UNREAD_LOW = "".join(("\0", "unread"))  # a compiled gate's value not read yet (compared by identity)


def fold_level(value: str) -> int:
    """How far value.lower() tells which (canonical, lowercase) markers re.I finds in value: ASCII .. UNSURE."""
    if value.isascii():
        return ASCII
    if FOLDS_ODDLY.search(value) is None:
        return SURE
    return UNSURE if FOLDS_TO_ASCII.search(value) else ASCII_ONLY


def fold(value: str | None, lower: str | None = None) -> Folded:
    """value lowercased for marker tests (`lower` when the caller has it), with how far that can be trusted."""
    if not value:
        return _ABSENT
    return (value.lower() if lower is None else lower), fold_level(value)


def check_markers(markers: tuple[str, ...]) -> None:
    """Raise ValueError unless every marker is non-empty, lowercase and canonical (see _canonical)."""
    for m in markers:
        if not m or not all(_canonical(c) for c in m):
            raise ValueError(f"gate marker {m!r}: not lowercase, or holds a letter re.I folds elsewhere")


class Signals:
    """The values gates look at, each read once per message on first use."""

    __slots__ = ("_answer", "_last", "_names", "_p", "_preamble", "_values")

    def __init__(self, p: Parsed) -> None:
        self._p = p
        self._names: AbstractSet[str] | None = None
        self._values: list[Folded | None] = [None] * (_TEXT + 1)  # per kind of test, from _SENDER to _TEXT
        self._preamble: Folded = _ABSENT
        self._last: Gate = ()  # the last gate answered (neighbours in DETECTORS may share one) and its answer
        self._answer = True

    def opens(self, gate: Gate) -> bool:
        """True when the detector behind `gate` may find something (a clause whose every test has a hit)."""
        if gate is self._last:
            return self._answer
        self._last = gate
        self._answer = answer = self._open(gate)
        return answer

    def _open(self, gate: Gate) -> bool:
        values = self._values
        for clause in gate:
            for kind, markers, ascii_markers, ascii_subset in clause.tests:
                if kind == _HEADERS:
                    if self.names().isdisjoint(markers):
                        break
                elif kind == _FEEDBACK:
                    if not self._p.feedback:
                        break
                elif kind == _DSN:
                    dsn = self._p.dsn
                    if dsn is None or not dsn.recipients:
                        break
                elif kind == _DSN_FIELDS:
                    if self.dsn_field_names().isdisjoint(markers):
                        break
                else:
                    low, sure = values[kind] or self._read(kind)
                    if sure <= SURE or (sure == ASCII_ONLY and ascii_markers):  # else the lowercase cannot tell
                        for m in ascii_subset if sure == ASCII else markers:
                            if m in low:
                                break
                        else:
                            if kind != _TEXT or not _hit(self._preamble, markers, ascii_markers):
                                break  # no marker: this clause fails
            else:
                return True  # every test of the clause had a hit
        return not gate

    def names(self) -> AbstractSet[str]:
        """The message's header names, lowercase (an IndexedMessage's own index: nothing built)."""
        if self._names is None:
            msg = self._p.msg
            self._names = (msg.names() if isinstance(msg, IndexedMessage)
                           else frozenset(name.lower() for name in msg.keys()))  # noqa: SIM118 - no decoding
        return self._names

    def dsn_field_names(self) -> frozenset[str]:
        """The names of the delivery-status part's per-message fields (lowercase)."""
        dsn = self._p.dsn
        return frozenset(name for name, _ in dsn.message_fields) if dsn is not None else frozenset()

    def has_dsn(self) -> bool:
        """A delivery-status part with recipients."""
        dsn = self._p.dsn
        return dsn is not None and bool(dsn.recipients)

    def low(self, kind: int, ascii_markers: bool) -> str | None:
        """The value's lowercase for markers (all ASCII or not), or None when it cannot tell (any marker may hit)."""
        low, sure = self._values[kind] or self._read(kind)
        return low if sure <= SURE or (sure == ASCII_ONLY and ascii_markers) else None

    def preamble_low(self, ascii_markers: bool) -> str | None:
        """As `low` for a multipart preamble (read with the text)."""
        if self._values[_TEXT] is None:
            self._read(_TEXT)
        low, sure = self._preamble
        return low if sure <= SURE or (sure == ASCII_ONLY and ascii_markers) else None

    def _read(self, kind: int) -> Folded:
        p = self._p
        if kind == _TEXT:
            value = fold(p.text, p.lower)
            preamble = p.msg.preamble if p.msg.is_multipart() else None  # vendor_text.report_text reads it
            self._preamble = fold(preamble) if isinstance(preamble, str) else _ABSENT
        elif kind == _SENDER:
            value = fold(p.raw_header("From"))
        elif kind == _SENDER_DECODED:
            value = fold(p.header("From"))
        elif kind == _SUBJECT:
            value = fold(p.raw_header("Subject"))
        elif kind == _MESSAGE_ID:
            value = fold(p.raw_header("Message-ID"))
        elif kind == _REPORTING_MTA:
            value = fold(p.dsn.reporting_mta if p.dsn is not None else None)
        else:
            value = fold(p.header("Subject"))
        self._values[kind] = value
        return value


def _hit(folded: Folded, markers: tuple[str, ...], ascii_markers: bool) -> bool:
    """A marker may be in the value: it is in its lowercase, or the lowercase cannot tell (as Signals._open)."""
    low, sure = folded
    if sure <= SURE or (sure == ASCII_ONLY and ascii_markers):
        return any(m in low for m in markers if sure != ASCII or m.isascii())
    return True


def _canonical(c: str) -> bool:
    """A letter a marker may hold: lowercase, and the one str.lower() gives for its whole case class under re.I
    (not U+017F for "s", U+03C2 for sigma, ...). With such markers, `fold` and `_hit` never miss an re.I match."""
    if c != c.lower():
        return False
    if c.isascii() or FOLDS_ODDLY.search(c) is None:
        return True
    upper = c.upper()
    return len(upper) == 1 and upper.lower() == c


def compile_gates(gates: Sequence[Gate]) -> tuple[Callable[[Signals], Iterator[int]], str]:
    """One generator over all `gates` in order, yielding the index of each open one; and its source.

    The same tests as Signals.opens, written out as straight-line code (each value read once, in a local):
    a loop over clause and test records cost about a microsecond per detector, most of detection's time
    when the winner is far down DETECTORS. tests/test_detector_gates.py checks both give the same answers.
    """
    consts: dict[str, object] = {"_U": _UNREAD_LOW}
    lines = ["def open_gates(s):", "    p = s._p", "    names = None"]
    kinds = (_SENDER, _SENDER_DECODED, _SUBJECT, _TITLE, _MESSAGE_ID, _REPORTING_MTA, _TEXT)
    lines.append("    " + " = ".join([*(f"a{k} = n{k}" for k in kinds), "pa = pn = _U"]))

    def test(kind: int, markers: tuple[str, ...], ascii_markers: bool) -> str:
        if kind == _HEADERS:
            consts[f"H{len(consts)}"] = frozenset(markers)
            return f"not (names if names is not None else (names := s.names())).isdisjoint(H{len(consts) - 1})"
        if kind == _FEEDBACK:
            return "bool(p.feedback)"
        if kind == _DSN:
            return "s.has_dsn()"
        if kind == _DSN_FIELDS:
            consts[f"D{len(consts)}"] = frozenset(markers)
            return f"not s.dsn_field_names().isdisjoint(D{len(consts) - 1})"
        var = f"{'a' if ascii_markers else 'n'}{kind}"
        flag = "True" if ascii_markers else "False"
        found = " or ".join(f"{m!r} in x" for m in markers)
        expr = f"((x := ({var} if {var} is not _U else ({var} := s.low({kind}, {flag})))) is None or {found})"
        if kind == _TEXT:
            pvar = "pa" if ascii_markers else "pn"
            expr += (f" or ((x := ({pvar} if {pvar} is not _U else ({pvar} := s.preamble_low({flag})))) is None"
                     f" or {found})")
            expr = f"({expr})"
        return expr

    uses: dict[int, int] = {}
    for gate in gates:
        uses[id(gate)] = uses.get(id(gate), 0) + 1
    shared: dict[int, str] = {}  # a gate several detectors share is computed once, into a local
    for i, gate in enumerate(gates):
        if not gate:
            lines.append(f"    yield {i}")
            continue
        if id(gate) in shared:
            lines.append(f"    if {shared[id(gate)]}:")
            lines.append(f"        yield {i}")
            continue
        condition = " or ".join(f"({' and '.join(test(*t[:3]) for t in clause.tests)})" for clause in gate)
        if uses[id(gate)] > 1:
            shared[id(gate)] = name = f"g{i}"
            lines.append(f"    {name} = bool({condition})")
            condition = name
        lines.append(f"    if {condition}:")
        lines.append(f"        yield {i}")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, object] = dict(consts)
    exec(compile(source, "<detector gates>", "exec"), namespace)  # noqa: S102 - our own gate tables, as code
    return namespace["open_gates"], source  # type: ignore[return-value]
