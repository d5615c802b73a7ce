"""The shape of a classification rule: data, not code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy


@dataclass(frozen=True, slots=True)
class Rule:
    """A text rule: when `pattern` matches the diagnostic (and code/status agree), the reason is `reason`.

    `status` and `code` restrict the rule; a trailing '.' in status matches a prefix ('5.7.' matches 5.7.x).
    """

    id: str  # stable id shown as the recipient's "rule", e.g. "google.ipv6-ptr-auth"
    reason: Reason
    pattern: Regex  # searched in the diagnostic (case-insensitive patterns recommended)
    status: str | None = None  # required status (exact, or prefix ending in '.')
    code: str | None = None  # required SMTP reply code (exact, or one digit for the class)

    def applies(self, status: str | None, code: str | None) -> bool:
        if self.status is not None:
            if status is None:
                return False
            if self.status.endswith("."):
                if not status.startswith(self.status):
                    return False
            elif status != self.status:
                return False
        if self.code is not None:
            if code is None:
                return False
            if len(self.code) == 1:
                if code[0] != self.code:
                    return False
            elif code != self.code:
                return False
        return True


def rx(pattern: str) -> Regex:
    """Compile a case-insensitive rule pattern."""
    return lazy(pattern, re.I)
