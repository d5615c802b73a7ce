"""Providers whose outbound servers are Postfix: the same notice, with the provider's own preamble.

Yandex (mailer-daemon@yandex.ru, Reporting-MTA *.mail.yandex.net, X-Yandex-* DSN fields, Russian
preamble "Это письмо отправлено почтовым сервером yandex.ru"), AOL (MAILER-DAEMON@aol.com, X-AOL-IP)
and Apple iCloud (mailer-daemon at icloud.com / me.com / mac.com, Reporting-MTA *.icloud.com).
Each is a multipart/report with Postfix's per-recipient paragraphs; the paragraphs add the SMTP
command and the refusing host to the DSN fields. Sources: the providers' notices; Postfix bounce(8).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from analyzer.detectors.base import Detection, Detector
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, postfix_paragraphs, specific_status
from analyzer.mime import Parsed
from analyzer.regex import lazy

_YANDEX = lazy(r"(?:^|[@.])yandex\.(?:ru|net|com|ua|by|kz|com\.tr)\b", re.I)
_AOL = lazy(r"(?:^|[@.])(?:aol\.com|aim\.com)\b", re.I)
_APPLE = lazy(r"(?:^|[@.])(?:icloud\.com|me\.com|mac\.com|apple\.com)\b", re.I)


def _where(p: Parsed) -> str:
    dsn = p.dsn
    return " ".join(x or "" for x in (p.header("From"), dsn.reporting_mta if dsn else None))


def _is_yandex(p: Parsed) -> bool:
    dsn = p.dsn
    fields = dict(dsn.message_fields) if dsn else {}
    return "x-yandex-queue-id" in fields or bool(_YANDEX.search(_where(p)))


def _is_aol(p: Parsed) -> bool:
    return "X-AOL-IP" in p.msg or bool(_AOL.search(_where(p)))


def _is_apple(p: Parsed) -> bool:
    return bool(_APPLE.search(_where(p))) and "mailer-daemon" in (p.header("From") or "").lower()

# detect(): DSN recipients, and the test's words in the decoded From or the Reporting-MTA (each pattern's
# match holds one of them; `_where` joins the two with a space, which no match holds), or its field/header.
_YANDEX_WORDS = ("yandex.",)
_AOL_WORDS = ("aol.com", "aim.com")
_APPLE_WORDS = ("icloud.com", "me.com", "mac.com", "apple.com")
YANDEX_GATE: Gate = (Clause(dsn=True, sender_decoded=_YANDEX_WORDS), Clause(dsn=True, reporting_mta=_YANDEX_WORDS),
                     Clause(dsn=True, dsn_fields=("x-yandex-queue-id",)))
AOL_GATE: Gate = (Clause(dsn=True, headers=("x-aol-ip",)), Clause(dsn=True, sender_decoded=_AOL_WORDS),
                  Clause(dsn=True, reporting_mta=_AOL_WORDS))
APPLE_GATE: Gate = (Clause(dsn=True, sender_decoded=_APPLE_WORDS),  # and "mailer-daemon" in the decoded From
                    Clause(dsn=True, sender_decoded=("mailer-daemon",), reporting_mta=_APPLE_WORDS))


def _reader(name: str, test: Callable[[Parsed], bool], gate: Gate) -> Detector:
    def detect(p: Parsed) -> Detection | None:
        if p.dsn is None or not p.dsn.recipients or not test(p):
            return None
        dsn = p.dsn
        founds = combine(dsn_founds(p), postfix_paragraphs(p.text))
        return Detection(reporter=name, recipients=tuple(specific_status(f) for f in founds),
                         reporting_mta=dsn.reporting_mta, received_from_mta=dsn.received_from_mta,
                         arrival_date=dsn.arrival_date)

    return Detector(name, detect, gate)


YANDEX: Detector = _reader("yandex", _is_yandex, YANDEX_GATE)
AOL: Detector = _reader("aol", _is_aol, AOL_GATE)
APPLE: Detector = _reader("apple", _is_apple, APPLE_GATE)
