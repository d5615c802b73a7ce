"""KDDI au / EZweb mail (au.com, ezweb.ne.jp) refusals -> reason.

Source: KDDI au mail help "迷惑メールフィルター / 受信拒否設定" (au.com/support/service/mobile/trouble/
mail/email/filter/): mail refused by the recipient's own reception filter is answered
"550 : User unknown" with an empty address, while a nonexistent address is answered
"550 <address>: User unknown".
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("kddi.reception-filter", R.FILTERED, rx(r"\b550\b\s*:?\s*:\s*user unknown")),
    Rule("kddi.user-unknown", R.USERUNKNOWN, rx(r">\s*:\s*user unknown")),
)
