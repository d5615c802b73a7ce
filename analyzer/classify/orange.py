"""Orange / Wanadoo / La Poste (laposte.net) refusals -> reason.

Source: Orange "Postmaster: codes d'erreur" (postmaster.orange.fr, the OFR_nnn / [nnn] codes of
smtp-in.orange.fr) and La Poste "Messagerie laposte.net: codes de retour" (LPNnnn_nnn codes of
smtp*.laposte.net). Both publish the refusal as a bilingual text followed by a code whose last
three digits are the cause: 1xx the sending IP is blocked (spam incident, reputation, block list),
416 invalid recipient, 426 recipient account blocked, 505 service temporarily refused, 506 message refused as spam,
630 policy refusal, 999 sending IP temporarily refused.
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R


def _code(digits: str) -> str:
    """The cause code as Orange and La Poste write it: 'OFR006_102', 'LPN007_426', 'OFR_506' or '[506]'."""
    return rf"(?:\b(?:OFR|LPN)[0-9A-Z]*_{digits}\b|\[{digits}\])"


RULES: tuple[Rule, ...] = (
    Rule("orange.recipient-blocked", R.SUSPEND,
         rx(r"le compte du destinataire est bloque|the recipient account is blocked|" + _code("426"))),
    Rule("orange.invalid-recipient", R.USERUNKNOWN,
         rx(r"adresse destinataire invalide|invalid recipient|" + _code("416"))),
    Rule("orange.spam-ip", R.BLOCKED,
         rx(r"adresse ip source bloquee|client host blocked for spamming|" + _code(r"1\d\d"))),
    Rule("orange.spam-content", R.SPAMDETECTED, rx(r"mail rejete\. mail rejected|" + _code("506"))),
    Rule("orange.service-refused", R.SYSTEMERROR, rx(_code("505"))),
    Rule("orange.ip-refused", R.BLOCKED, rx(_code("999"))),
    Rule("orange.policy", R.POLICYVIOLATION, rx(_code(r"6\d\d"))),
)
