"""Orange / Wanadoo / La Poste (laposte.net) refusals -> reason.

Source: Orange "Postmaster: codes d'erreur" (postmaster.orange.fr, the OFR_nnn / [nnn] codes of
smtp-in.orange.fr) and La Poste "Messagerie laposte.net: codes de retour" (LPNnnn_nnn codes of
smtp*.laposte.net). Both publish the refusal as a bilingual text followed by a code whose last
three digits are the cause: 1xx the sending IP is blocked (spam incident, reputation, block list),
426 recipient account blocked, 505 service temporarily refused, 506 message refused as spam,
630 policy refusal, 999 sending IP temporarily refused.
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

_CODE = r"(?:\b(?:OFR|LPN)[0-9A-Z]*_|\[)"

RULES: tuple[Rule, ...] = (
    Rule("orange.recipient-blocked", R.SUSPEND,
         rx(r"le compte du destinataire est bloque|the recipient account is blocked|" + _CODE + r"426\b")),
    Rule("orange.spam-ip", R.BLOCKED,
         rx(r"adresse ip source bloquee|client host blocked for spamming|" + _CODE + r"1\d\d\b")),
    Rule("orange.spam-content", R.SPAMDETECTED, rx(r"mail rejete\. mail rejected|" + _CODE + r"506\b")),
    Rule("orange.service-refused", R.SYSTEMERROR, rx(_CODE + r"505\b")),
    Rule("orange.ip-refused", R.BLOCKED, rx(_CODE + r"999\b")),
    Rule("orange.policy", R.POLICYVIOLATION, rx(_CODE + r"6\d\d\b")),
)
