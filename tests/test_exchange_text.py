"""The text of Exchange NDRs: both layouts, localized labels, Exchange 2007 replies, delays, "->" quotes."""

from __future__ import annotations

import pytest

from analyzer import analyze
from analyzer.detectors.exchange_text import parse
from analyzer.detectors.office365 import unwrap

OLD = """Delivery has failed to these recipients or groups:

a@example.net (a@example.net)<mailto:a@example.net>
The recipient's email server rejected the message.

b@example.org
Your message couldn't be delivered.

Diagnostic information for administrators:

Generating server: AM0PR02MB1234.eurprd02.prod.outlook.com

a@example.net
mx.example.net
Remote Server returned '550 5.7.1 192.0.2.222 is not allowed to send from <example.com> per it's SPF
Record. Please inspect your SPF settings.'

b@example.org
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:

Received: from AM0PR02MB1234.eurprd02.prod.outlook.com ([fe80::1]) by
 AM0PR02MB1234.eurprd02.prod.outlook.com ([fe80::1%4]) with mapi; Thu, 14 Mar 2024 09:12:03 +0000
From: Alice <alice@example.com>
Subject: Hello
Message-ID: <m1@example.com>
"""


def test_old_layout_recipients_replies_and_original() -> None:
    ex = parse(OLD)
    assert ex.reporting_mta == "AM0PR02MB1234.eurprd02.prod.outlook.com"
    assert [(f.recipient, f.remote_mta) for f in ex.recipients] == [("a@example.net", "mx.example.net"),
                                                                     ("b@example.org", None)]
    assert ex.recipients[0].diagnostic == ("550 5.7.1 192.0.2.222 is not allowed to send from <example.com> per "
                                           "it's SPF Record. Please inspect your SPF settings.")
    assert ex.recipients[1].diagnostic == ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
                                           "address lookup")
    assert ex.original is not None and ex.original["Message-ID"] == "<m1@example.com>"
    assert not ex.delayed and not ex.new_layout


LOCALIZED = [
    ("de", "Fehler bei der Zustellung an folgende Empfänger oder Gruppen:", "Diagnoseinformationen für "
     "Administratoren:", "Generierender Server:", "Ursprüngliche Nachrichtenköpfe:"),
    ("fr", "La remise à ces destinataires ou groupes a échoué :", "Informations de diagnostic pour les "
     "administrateurs :", "Serveur de génération :", "En-têtes de message d'origine :"),
    ("es", "Error en la entrega a estos destinatarios o grupos:", "Información de diagnóstico para administradores:",
     "Servidor de generación:", "Encabezados originales del mensaje:"),
    ("pt", "Falha na entrega para estes destinatários ou grupos:", "Informações de diagnóstico para "
     "administradores:", "Servidor de geração:", "Cabeçalhos originais da mensagem:"),
    ("ja", "次の受信者またはグループへの配信に失敗しました:", "管理者向けの診断情報:", "生成サーバー:",
     "元のメッセージ ヘッダー:"),
]


@pytest.mark.parametrize(("lang", "intro", "admin", "gen", "orig"), LOCALIZED, ids=[x[0] for x in LOCALIZED])
def test_old_layout_localized_labels(lang: str, intro: str, admin: str, gen: str, orig: str) -> None:
    text = (f"{intro}\n\nkim@example.jp\n...\n\n{admin}\n\n{gen} TY2PR01MB1234.jpnprd01.prod.outlook.com\n\n"
            f"kim@example.jp\nmx.example.jp\nRemote Server returned '550 5.1.1 <kim@example.jp>: User unknown'\n\n"
            f"{orig}\n\nFrom: sender@example.com\nSubject: x\n")
    ex = parse(text)
    assert ex.reporting_mta == "TY2PR01MB1234.jpnprd01.prod.outlook.com"
    assert [(f.recipient, f.remote_mta, f.diagnostic) for f in ex.recipients] == [
        ("kim@example.jp", "mx.example.jp", "550 5.1.1 <kim@example.jp>: User unknown")]
    assert ex.original is not None and ex.original["From"] == "sender@example.com"


def test_exchange_2007_hash_reply() -> None:
    text = ("Delivery has failed to these recipients or groups:\n\nx@corp.example.com\n...\n\n"
            "Diagnostic information for administrators:\n\nGenerating server: EX01.corp.example.com\n\n"
            "x@corp.example.com\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
            "y@example.org\nmx.example.org #550 5.2.2 <y@example.org>... Mailbox Full ##\n")
    ex = parse(text)
    assert [(f.recipient, f.remote_mta, f.diagnostic) for f in ex.recipients] == [
        ("x@corp.example.com", None, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
        ("y@example.org", "mx.example.org", "550 5.2.2 <y@example.org>... Mailbox Full")]


def test_delay_keeps_the_newest_attempt_and_the_server() -> None:
    text = ("Delivery is delayed to these recipients or groups:\n\nbob@gmail.com\n\n"
            "Diagnostic information for administrators:\n\nGenerating server: AM9PR02MB7410.eurprd02.prod.outlook.com\n"
            "Receiving server: gmail-smtp-in.l.google.com (2607:f8b0:4864:20::1a)\n\nbob@gmail.com\n"
            "3/14/2024 9:42:10 AM - Server at gmail-smtp-in.l.google.com (2607:f8b0:4864:20::1a) returned "
            "'421 4.7.28 newest - gsmtp'\n"
            "3/14/2024 9:27:06 AM - Server at gmail-smtp-in.l.google.com (2607:f8b0:4864:20::1a) returned "
            "'421 4.7.28 older - gsmtp'\n")
    ex = parse(text)
    assert ex.delayed
    assert [(f.recipient, f.remote_mta, f.diagnostic) for f in ex.recipients] == [
        ("bob@gmail.com", "gmail-smtp-in.l.google.com", "421 4.7.28 newest - gsmtp")]


@pytest.mark.parametrize(("error", "by", "remote"), [
    ("Reported error:", "DSN generated by:", "Remote server:"),
    ("Error:", "Sent by:", "Message rejected by:"),
])
def test_new_layout_fields(error: str, by: str, remote: str) -> None:
    text = (f"Your message to dana@example.org couldn't be delivered.\nexample.org rejected it.\ndana\nOffice 365\n"
            f"example.org\nAction Required\n\nHow to Fix It\n...\n\nMore Info for Email Admins\n"
            f"Status code: 550 5.7.1\n"
            f"...\n\nError Details\n{error} 550 5.7.1 Rejected by policy\nof example.org\n"
            f"{by}    DB9PR02MB6889.eurprd02.prod.outlook.com\n{remote}  mx1.example.org\n\nMessage Hops\nHOP  TIME\n\n"
            f"Original Message Headers\n\nFrom: sender@example.com\n")
    ex = parse(text)
    assert ex.new_layout
    assert ex.reporting_mta == "DB9PR02MB6889.eurprd02.prod.outlook.com"
    assert [(f.recipient, f.remote_mta, f.diagnostic) for f in ex.recipients] == [
        ("dana@example.org", "mx1.example.org", "550 5.7.1 Rejected by policy of example.org")]


def test_unwrap_joins_the_quoted_reply() -> None:
    wrapped = ("550 5.7.350 Remote server returned message detected as spam -> 550-5.7.1 [2a01:111:f403:2612::700 "
               "12] Our system has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines "
               "regarding PTR records and 550 5.7.1 authentication. x - gsmtp")
    assert unwrap(wrapped) == ("550 5.7.350 Remote server returned message detected as spam -> 550 5.7.1 "
                               "[2a01:111:f403:2612::700 12] Our system has detected that this message does not meet "
                               "IPv6 sending guidelines regarding PTR records and authentication. x - gsmtp")


def test_forwarded_text_only_ndr_is_read() -> None:
    """An NDR forwarded as plain text (no delivery-status part): the text alone gives everything."""
    raw = ("From: postmaster@example.onmicrosoft.com\nSubject: Undeliverable: Hello\n"
           "Message-ID: <x@AM0PR02MB1234.eurprd02.prod.outlook.com>\n\n" + OLD).encode()
    a = analyze(raw)
    assert a.reporter == "office365"
    assert [(r.recipient, r.status, r.replycode, r.reason.value) for r in a.recipients] == [
        ("a@example.net", "5.7.1", "550", "authfailure"),
        ("b@example.org", "5.1.10", "550", "userunknown")]
    assert a.original is not None and a.original.subject == "Hello"


def test_the_callers_lowercase_and_the_memo_give_the_same_answers() -> None:
    """has_layout/parse with the message's lowercase text, and is_exchange_ndr answered once per message (Parsed.memo),
    on every input of the gate test (corpus, samples, demo, hostile, disguised): the answers computed afresh."""
    from analyzer.detectors import exchange_text
    from analyzer.detectors.office365 import _is_exchange_ndr, is_exchange_ndr
    from analyzer.mime import parse as parse_message
    from tests.test_detector_gates import inputs

    seen = 0
    for name, data in inputs():
        p = parse_message(data)
        layout = exchange_text.has_layout(p.text)
        assert exchange_text.has_layout(p.text, p.lower) == layout, name
        fresh = _is_exchange_ndr(parse_message(data))
        assert is_exchange_ndr(p) == fresh and is_exchange_ndr(p) == fresh, name
        if layout or fresh:
            seen += 1
            a, b = parse(p.text), parse(p.text, p.lower)
            assert (a.recipients, a.reporting_mta, a.delayed, a.new_layout) == (
                b.recipients, b.reporting_mta, b.delayed, b.new_layout), name
            assert (a.original is None) == (b.original is None), name
            assert a.original is None or b.original is None or a.original.items() == b.original.items(), name
    assert seen > 50
