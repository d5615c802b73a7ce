"""Classification of one recipient's failure into a Reason, by a fixed precedence chain:

1. the detector's explicit verdict,
2. the receiving provider's table (Google, Microsoft, ...),
3. generic text patterns, read together with the status code and the SMTP command
   (analyzer.classify.generic),
4. the status code (RFC 3463),
5. onhold (a failure with evidence that does not decide) or undefined (nothing to go on).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.classify import (
    amazon,
    apple,
    cloudflare,
    cox,
    generic,
    google,
    kddi,
    messagelabs,
    microsoft,
    orange,
    spectrum,
    tencent,
    yahoo,
)
from analyzer.classify.blocklists import blocklist_of
from analyzer.classify.providers import provider_of
from analyzer.classify.rules import Rule
from analyzer.classify.status_codes import reason_of
from analyzer.reasons import HARD_REASONS, Reason
from analyzer.records import fast_init
from analyzer.regex import literal_lower, may_match

PROVIDER_RULES: dict[str, tuple[Rule, ...]] = {
    "google": google.RULES,
    "microsoft": microsoft.RULES,
    "yahoo": yahoo.RULES,
    "apple": apple.RULES,
    "kddi": kddi.RULES,
    "orange": orange.RULES,
    "tencent": tencent.RULES,
    "cox": cox.RULES,
    "spectrum": spectrum.RULES,
    "messagelabs": messagelabs.RULES,
    "cloudflare": cloudflare.RULES,
    "amazonses": amazon.RECEIVING_RULES,
}


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The reason for one recipient and why."""

    reason: Reason
    rule: str  # which rule decided
    evidence: str | None  # the matched text
    provider: str | None = None  # receiving provider recognised
    blocklist: str | None = None  # block list named in the text


def _match(rules: tuple[Rule, ...], text: str, status: str | None, code: str | None) -> tuple[Rule, str] | None:
    low = literal_lower(text)
    for rule in rules:
        if not rule.applies(status, code) or not may_match(rule.pattern, low):
            continue
        m = rule.pattern.search(text)
        if m:
            return rule, m.group(0)
    return None


def classify(
    *,
    status: str | None,
    replycode: str | None,
    diagnostic: str | None,
    remote_mta: str | None,
    action: str | None,
    verdict: Reason | None = None,
    verdict_rule: str | None = None,
    verdict_evidence: str | None = None,
    command: str | None = None,
    diagnostic_type: str | None = None,
    recipient: str | None = None,
) -> Verdict:
    """Decide the reason of one recipient. Pure; never raises.

    `command` is the SMTP command the refusal answered (RCPT, DATA, MAIL, CONN, ...), when known:
    'User unknown' after DATA is a content filter, after RCPT a missing mailbox. `recipient` lets
    the provider be recognised from the recipient's domain when nothing else names it.
    """
    provider = provider_of(remote_mta, diagnostic, recipient)
    blocklist = blocklist_of(diagnostic)
    if verdict is not None:
        return Verdict(reason=verdict, rule=verdict_rule or "detector", evidence=verdict_evidence,
                       provider=provider, blocklist=blocklist)
    if action in ("delivered", "relayed", "expanded") or (status or "").startswith("2."):
        return Verdict(reason=Reason.DELIVERED, rule="status.2xx", evidence=status, provider=provider)
    text = diagnostic or ""
    if text and provider in PROVIDER_RULES:
        hit = _match(PROVIDER_RULES[provider], text, status, replycode)
        if hit:
            return Verdict(reason=hit[0].reason, rule=hit[0].id, evidence=hit[1], provider=provider,
                           blocklist=blocklist)
    case = generic.Case(status=status, replycode=replycode, text=text, command=command, action=action,
                        diagnostic_type=(diagnostic_type or "").lower() or None, lower=text.lower())
    decided = generic.decide(case)
    if decided is not None:
        return Verdict(reason=decided.reason, rule=decided.rule, evidence=decided.evidence, provider=provider,
                       blocklist=blocklist)
    by_status = reason_of(status)
    if by_status is not None:
        return Verdict(reason=by_status, rule=f"status.{status}", evidence=status, provider=provider,
                       blocklist=blocklist)
    if status or replycode or text:
        return Verdict(reason=Reason.ONHOLD, rule="fallback.onhold", evidence=status or replycode,
                       provider=provider, blocklist=blocklist)
    return Verdict(reason=Reason.UNDEFINED, rule="fallback.undefined", evidence=None, provider=provider)


def is_hard(reason: Reason, status: str | None) -> bool | None:
    """Whether retrying the same address is pointless. None for non-failures.

    Follows Sisimai's `hardbounce`: the address or its domain does not exist or accepts no mail
    (userunknown, hostunknown, hasmoved, and notaccept with a permanent 5.x.x status).
    """
    if reason in (Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION):
        return None
    if reason is Reason.NOTACCEPT:
        return bool(status and status.startswith("5"))
    return reason in HARD_REASONS
