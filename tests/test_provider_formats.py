"""Provider formats beyond the golden samples: Amazon SES notification variants, Yahoo command tags,
Zoho delay notices, Gmail's own texts. Each case is a whole message and the fields it must give."""

from __future__ import annotations

import json

from analyzer import Kind, Reason, analyze


def _ses(notification: dict[str, object], *, envelope: bool = False) -> bytes:
    body = json.dumps(notification)
    if envelope:
        body = json.dumps({"Type": "Notification", "MessageId": "5b6c7d8e", "Message": body})
    return (b"From: AWS Notifications <no-reply@sns.amazonaws.com>\nTo: bounces@example.com\n"
            b"Subject: AWS Notification Message\nContent-Type: text/plain; charset=UTF-8\n\n" + body.encode())


def test_ses_suppressed_bounce_is_suppressed() -> None:
    a = analyze(_ses({"notificationType": "Bounce", "bounce": {
        "bounceType": "Permanent", "bounceSubType": "Suppressed", "reportingMTA": "dns; amazonses.com",
        "bouncedRecipients": [{"emailAddress": "gone@example.org"}]}, "mail": {"destination": ["gone@example.org"]}}))
    assert a.reporter == "amazonses" and a.kind is Kind.BOUNCE
    r = a.recipients[0]
    assert (r.recipient, r.reason, r.rule, r.status) == ("gone@example.org", Reason.SUPPRESSED,
                                                          "ses.permanent.suppressed", "5.0.0")


def test_ses_complaint_in_an_sns_envelope_is_feedback() -> None:
    a = analyze(_ses({"notificationType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": "angry@example.net"}], "complaintFeedbackType": "abuse"},
        "mail": {}}, envelope=True))
    assert (a.kind, a.feedback_type) == (Kind.FEEDBACK, "abuse")
    assert [(r.recipient, r.reason) for r in a.recipients] == [("angry@example.net", Reason.FEEDBACK)]


def test_ses_transient_bounce_is_a_soft_failure() -> None:
    a = analyze(_ses({"eventType": "Bounce", "bounce": {
        "bounceType": "Transient", "bounceSubType": "MailboxFull",
        "bouncedRecipients": [{"emailAddress": "full@example.net", "status": "4.2.2",
                               "diagnosticCode": "smtp; 452 4.2.2 Mailbox full"}]}}))
    r = a.recipients[0]
    assert (a.kind, r.action, r.status, r.replycode, r.reason, r.hard) == (Kind.BOUNCE, "failed", "4.2.2", "452",
                                                                           Reason.MAILBOXFULL, False)


def test_broken_ses_json_is_not_a_bounce() -> None:
    a = analyze(_ses({"x": 1}) + b'{"notificationType": "Bounce", "bounce": [')
    assert a.reporter != "amazonses"


def test_yahoo_mail_from_tag_is_the_command() -> None:
    raw = (b"From: MAILER-DAEMON@yahoo.com\nSubject: Failure Notice\n\n"
           b"Sorry, we were unable to deliver your message to the following address.\n\n"
           b"<a@example.org>:\nRemote host said: 553 5.7.1 Sender address rejected: not owned by user [MAIL_FROM]\n\n"
           b"--- Below this line is a copy of the message.\n\nFrom: s@yahoo.com\nSubject: hi\n")
    a = analyze(raw)
    r = a.recipients[0]
    assert (a.reporter, r.recipient, r.status, r.replycode, r.reason) == ("yahoo", "a@example.org", "5.7.1", "553",
                                                                          Reason.REJECTED)
    assert r.diagnostic == "553 5.7.1 Sender address rejected: not owned by user"
    assert a.original is not None and a.original.subject == "hi"


def test_zoho_delay_notice() -> None:
    raw = (b"From: mailer-daemon@mail.zoho.com\nSubject: Mail Delivery Status Notification (Delay)\n\n"
           b"This message was created automatically by mail delivery system.\n\nTHIS IS A WARNING MESSAGE ONLY.\n"
           b"YOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n----- The following addresses had fatal errors -----\n"
           b"[Status: Error, Address: <k@example.co.jp>, ResponseCode 421, , Host not reachable.]\n"
           b"Message will be retried for 4 more day(s)\n")
    a = analyze(raw)
    r = a.recipients[0]
    assert (a.reporter, a.kind, r.action, r.status, r.replycode, r.reason, r.rule) == (
        "zoho", Kind.DELAY, "delayed", "4.0.0", "421", Reason.EXPIRED, "zoho.host-not-reachable")


def test_gmail_connect_failure_is_expired() -> None:
    raw = (b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
           b"Subject: Delivery Status Notification (Failure)\n\n"
           b"Delivery to the following recipient failed permanently:\n\n     x@example.com\n\n"
           b"Technical details of permanent failure: \nThe recipient server did not accept our requests to connect. "
           b"Learn more at https://support.google.com/mail/answer/7720 \n[example.com 192.0.2.7: socket error]\n\n"
           b"----- Original message -----\n\nFrom: me@gmail.com\nSubject: s\n")
    a = analyze(raw)
    r = a.recipients[0]
    assert (a.reporter, r.recipient, r.action, r.status, r.reason, r.rule) == (
        "gmail", "x@example.com", "failed", "5.0.0", Reason.EXPIRED, "gmail.connect-failed")
