"""Generic classification: refusal text, status code and SMTP command together -> reason.

Tried after the detector's own verdict and the provider tables. The order and the interplay of
text, status and command follow Sisimai v5's lib/Sisimai/Reason.pm (`get`, `anotherone`, the
`true()` of each reason class): first the reasons a status code or a phrase can prove on their
own, in a fixed order; then phrases alone; then the status code; then a few structural hints.
The phrase tables are in analyzer.classify.phrases.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from analyzer.classify.phrases import TextPhrases
from analyzer.classify.status_codes import reason_of
from analyzer.reasons import Reason as R

# Commands sent before DATA: a refusal there cannot be about the message's content.
_BEFORE_DATA = frozenset({"CONN", "HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """What the generic classifier looks at for one recipient."""

    status: str | None  # normalised RFC 3463 status (the text's code preferred), or None
    replycode: str | None  # SMTP reply code, or None
    text: str  # the diagnostic (may be "")
    command: str | None = None  # SMTP command the refusal answered (RCPT, DATA, MAIL, CONN, ...)
    action: str | None = None  # DSN action, lowercase
    diagnostic_type: str | None = None  # Diagnostic-Code type, lowercase ("smtp", "x-unix", ...)
    lower: str = ""  # text.lower(), computed once
    memo: dict[R, str | None] = field(default_factory=dict, compare=False)  # phrase results of this case
    phrases: TextPhrases = field(init=False, compare=False, repr=False)  # the phrase tables over `text`
    by_status: R | None = field(init=False, compare=False, repr=False)  # reason_of(status), read once
    present: Collection[R] = field(init=False, compare=False, repr=False)  # reasons with a candidate phrase

    def __post_init__(self) -> None:
        phrases = TextPhrases(self.text, self.lower or None)
        object.__setattr__(self, "phrases", phrases)
        object.__setattr__(self, "by_status", reason_of(self.status))
        object.__setattr__(self, "present", phrases.reasons())

    def phrase(self, reason: R) -> str | None:
        """The text of `reason`'s phrase found in the diagnostic (memoised), or None: phrases.match (None at once
        for a reason none of whose phrase literals is in the text)."""
        if reason not in self.present:
            return None
        if reason not in self.memo:
            self.memo[reason] = self.phrases.match(reason)
        return self.memo[reason]


@dataclass(frozen=True, slots=True)
class Hit:
    """A generic decision: the reason, the rule id and the evidence."""

    reason: R
    rule: str
    evidence: str | None


def _by_text(reason: R, case: Case) -> Hit | None:
    found = case.phrase(reason)
    return Hit(reason, f"generic.{reason.value}", found) if found is not None else None


def _by_status(reason: R, case: Case) -> Hit | None:
    return Hit(reason, f"status.{case.status}", case.status) if case.by_status is reason else None


def _status_or_text(reason: R) -> Callable[[Case], Hit | None]:
    def check(case: Case) -> Hit | None:
        return _by_status(reason, case) or _by_text(reason, case)

    return check


def _text_only(reason: R) -> Callable[[Case], Hit | None]:
    def check(case: Case) -> Hit | None:
        return _by_text(reason, case)

    return check


def _mesgtoobig(case: Case) -> Hit | None:
    if case.by_status is R.EXCEEDLIMIT:
        return None
    return _by_status(R.MESGTOOBIG, case) or _by_text(R.MESGTOOBIG, case)


# A 5.1.1-type status means "no such user" unless the text says it was something else.
_NOT_REALLY_UNKNOWN = (R.NORELAYING, R.BLOCKED, R.MAILBOXFULL, R.HASMOVED, R.REJECTED, R.NOTACCEPT)


def _userunknown(case: Case) -> Hit | None:
    by_status = case.by_status
    if by_status is R.SUSPEND:
        return None
    if by_status is R.USERUNKNOWN:
        if any(case.phrase(r) for r in _NOT_REALLY_UNKNOWN):
            return None
        return _by_text(R.USERUNKNOWN, case) or _by_status(R.USERUNKNOWN, case)
    if case.command == "RCPT":
        return _by_text(R.USERUNKNOWN, case)
    return None


def _filtered(case: Case) -> Hit | None:
    """'User unknown' answered to DATA (or with no command known) is a recipient-side filter."""
    by_status = case.by_status
    if by_status is R.SUSPEND:
        return None
    if by_status is R.FILTERED:
        hit = _by_text(R.FILTERED, case) or _by_text(R.USERUNKNOWN, case)
        return Hit(R.FILTERED, "generic.filtered", hit.evidence) if hit else None
    if case.command in ("RCPT", "MAIL"):
        return None
    hit = _by_text(R.FILTERED, case) or _by_text(R.USERUNKNOWN, case)
    return Hit(R.FILTERED, "generic.filtered", hit.evidence) if hit else None


def _rejected(case: Case) -> Hit | None:
    """The envelope sender was refused: a status that says so, or a sender phrase at MAIL/DATA."""
    by_status = case.by_status
    if by_status is R.REJECTED:
        return _by_text(R.REJECTED, case) or _by_status(R.REJECTED, case)
    if case.command == "MAIL":
        return _by_text(R.REJECTED, case)
    if case.command == "DATA":
        return None if by_status is R.USERUNKNOWN else _by_text(R.REJECTED, case)
    if by_status is None:
        return _by_text(R.REJECTED, case)
    return None


def _hostunknown(case: Case) -> Hit | None:
    if case.by_status is R.HOSTUNKNOWN:
        if case.phrase(R.NETWORKERROR):
            return None
        return _by_text(R.HOSTUNKNOWN, case) or _by_status(R.HOSTUNKNOWN, case)
    return _by_text(R.HOSTUNKNOWN, case)


def _spamdetected(case: Case) -> Hit | None:
    hit = _by_status(R.SPAMDETECTED, case)
    if hit:
        return hit
    if case.command in _BEFORE_DATA:
        return None  # before DATA the server has not seen the content (phrases get a second chance later)
    return _by_text(R.SPAMDETECTED, case)


# Stage 1: reasons that a status code or a phrase proves on its own, in this order (Sisimai ClassOrder[0]).
FIRST: tuple[Callable[[Case], Hit | None], ...] = (
    _status_or_text(R.MAILBOXFULL),
    _mesgtoobig,
    _status_or_text(R.EXCEEDLIMIT),
    _status_or_text(R.SUSPEND),
    _status_or_text(R.HASMOVED),
    _text_only(R.NORELAYING),
    _status_or_text(R.AUTHFAILURE),
    _userunknown,
    _filtered,
    _status_or_text(R.REQUIREPTR),
    _text_only(R.NOTCOMPLIANTRFC),
    _text_only(R.BADREPUTATION),
    _rejected,
    _hostunknown,
    _spamdetected,
    _status_or_text(R.SPEEDING),
    _status_or_text(R.TOOMANYCONN),
    _status_or_text(R.BLOCKED),
)

# Stage 2: phrases alone (Sisimai ClassOrder[1]).
SECOND: tuple[R, ...] = (
    R.MAILBOXFULL, R.AUTHFAILURE, R.BADREPUTATION, R.SPEEDING, R.SPAMDETECTED, R.VIRUSDETECTED,
    R.POLICYVIOLATION, R.NORELAYING, R.SYSTEMERROR, R.NETWORKERROR, R.SUSPEND, R.CONTENTERROR,
    R.SYSTEMFULL, R.NOTACCEPT, R.EXPIRED, R.SECURITYERROR, R.SUPPRESSED, R.MAILERERROR,
)


def decide(case: Case) -> Hit | None:
    """The generic reason for one failed recipient, or None when nothing here decides."""
    if (case.diagnostic_type or "").startswith("x-unix"):
        # a local delivery program failed (pipe, procmail, maildrop): mailer error unless it ran out of room
        for reason in (R.MAILBOXFULL, R.MESGTOOBIG, R.SYSTEMFULL):
            hit = _by_text(reason, case)
            if hit is not None:
                return hit
        return Hit(R.MAILERERROR, "diagnostic-type.x-unix", case.diagnostic_type)
    for check in FIRST:
        hit = check(case)
        if hit is not None:
            return hit
    for reason in SECOND:
        hit = _by_text(reason, case)
        if hit is not None:
            return hit
    if case.command == "MAIL":
        return Hit(R.REJECTED, "command.mail", case.command)  # refused at MAIL FROM: the envelope sender
    if case.command in ("CONN", "HELO", "EHLO"):
        return Hit(R.BLOCKED, f"command.{case.command.lower()}", case.command)  # refused before any envelope
    by_status = case.by_status
    if by_status is not None:
        return Hit(by_status, f"status.{case.status}", case.status)
    return _structural(case)


def _structural(case: Case) -> Hit | None:
    """Hints from the shape of the failure when neither phrase nor status decided."""
    status = case.status or ""
    if status[1:4] == ".6.":
        return Hit(R.CONTENTERROR, "status.x.6", status)
    if status[1:4] == ".7.":
        return Hit(R.SECURITYERROR, "status.x.7", status)
    if (case.diagnostic_type or "").startswith("x-unix"):
        return Hit(R.MAILERERROR, "diagnostic-type.x-unix", case.diagnostic_type)
    if case.replycode in ("500", "501", "502", "503", "504"):
        return Hit(R.SYNTAXERROR, "replycode.50x", case.replycode)
    if case.action == "delayed":
        return Hit(R.EXPIRED, "action.delayed", case.action)
    if case.command in ("HELO", "EHLO", "CONN"):
        return Hit(R.BLOCKED, f"command.{case.command.lower()}", case.command)
    return None
