"""Classification of one recipient's failure into a Reason, by a fixed precedence chain:

1. the detector's explicit verdict,
2. the receiving provider's table (Google, Microsoft, ...),
3. generic text patterns,
4. the status code (RFC 3463),
5. onhold (a failure with evidence that does not decide) or undefined (nothing to go on).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.classify import generic, google, microsoft
from analyzer.classify.blocklists import blocklist_of
from analyzer.classify.providers import provider_of
from analyzer.classify.rules import Rule
from analyzer.classify.status_codes import BY_STATUS
from analyzer.reasons import HARD_REASONS, Reason

PROVIDER_RULES: dict[str, tuple[Rule, ...]] = {
    "google": google.RULES,
    "microsoft": microsoft.RULES,
}
GENERIC_RULES: tuple[Rule, ...] = generic.RULES


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The reason for one recipient and why."""

    reason: Reason
    rule: str  # which rule decided
    evidence: str | None  # the matched text
    provider: str | None = None  # receiving provider recognised
    blocklist: str | None = None  # block list named in the text


def _match(rules: tuple[Rule, ...], text: str, status: str | None, code: str | None) -> tuple[Rule, str] | None:
    for rule in rules:
        if not rule.applies(status, code):
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
) -> Verdict:
    """Decide the reason of one recipient. Pure; never raises."""
    provider = provider_of(remote_mta, diagnostic)
    blocklist = blocklist_of(diagnostic)
    if verdict is not None:
        return Verdict(reason=verdict, rule=verdict_rule or "detector", evidence=verdict_evidence,
                       provider=provider, blocklist=blocklist)
    if action in ("delivered", "relayed", "expanded") or (status or "").startswith("2."):
        return Verdict(reason=Reason.DELIVERED, rule="status.2xx", evidence=status, provider=provider)
    text = diagnostic or ""
    if text:
        if provider in PROVIDER_RULES:
            hit = _match(PROVIDER_RULES[provider], text, status, replycode)
            if hit:
                return Verdict(reason=hit[0].reason, rule=hit[0].id, evidence=hit[1], provider=provider,
                               blocklist=blocklist)
        hit = _match(GENERIC_RULES, text, status, replycode)
        if hit:
            return Verdict(reason=hit[0].reason, rule=hit[0].id, evidence=hit[1], provider=provider,
                           blocklist=blocklist)
    if status and status[0] in "45":
        sub = status[2:]
        reason = BY_STATUS.get(sub)
        if reason is not None and sub not in ("0.0",):
            return Verdict(reason=reason, rule=f"status.{sub}", evidence=status, provider=provider,
                           blocklist=blocklist)
    if status or replycode or text:
        return Verdict(reason=Reason.ONHOLD, rule="fallback.onhold", evidence=status or replycode,
                       provider=provider, blocklist=blocklist)
    return Verdict(reason=Reason.UNDEFINED, rule="fallback.undefined", evidence=None, provider=provider)


def is_hard(reason: Reason, status: str | None) -> bool | None:
    """Whether retrying the same address is pointless. None for non-failures."""
    if reason in (Reason.DELIVERED, Reason.FEEDBACK, Reason.VACATION):
        return None
    if reason is Reason.NOTACCEPT:
        return bool(status and status.startswith("5"))
    return reason in HARD_REASONS
