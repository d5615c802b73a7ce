"""The ordered registry of NDR detectors. First match wins; order matters.

Vendor formats come first (they know more than the generic DSN), then the standards:
RFC 5965 feedback, RFC 3464 delivery status, RFC 3834 auto-replies.
"""

from __future__ import annotations

from analyzer.detectors import (  # one module per format: see DETECTORS for the order
    activehunter,
    amavis,
    amazonses,
    amazonworkmail,
    arf,
    barracuda,
    bigfoot,
    biglobe,
    courier,
    domino,
    dragonfly,
    exchange2003,
    exchange2007,
    exim,
    ezweb,
    fml,
    gmail,
    gmx,
    googlegroups,
    googleworkspace,
    kddi,
    mailfoundry,
    mailru,
    mcafee,
    messagelabs,
    messagingserver,
    mfilter,
    mimecast,
    mxlogic,
    office365,
    opensmtpd,
    outlook,
    plaintext,
    postfix,
    postfix_provider,
    qmail,
    receivingses,
    rfc3464,
    rfc3834,
    sendgrid,
    sendmail,
    surfcontrol,
    verizon,
    x1,
    x2,
    x3,
    x4,
    x5,
    x6,
    yahoo,
    zoho,
)
from analyzer.detectors.base import Detection, Detector, Found

DETECTORS: tuple[Detector, ...] = (
    arf.DETECTOR,
    office365.DETECTOR,  # providers: Exchange Online before on-premises Exchange
    exchange2007.DETECTOR,
    exchange2003.DETECTOR,
    outlook.DETECTOR,
    googlegroups.DETECTOR,  # before gmail: same sender
    gmail.DETECTOR,
    googleworkspace.DETECTOR,
    yahoo.DETECTOR,
    amazonworkmail.DETECTOR,  # before amazonses: sent through SES
    amazonses.DETECTOR,
    receivingses.DETECTOR,
    sendgrid.DETECTOR,
    messagelabs.DETECTOR,
    mailru.DETECTOR,
    gmx.GMX,
    gmx.EINSUNDEINS,
    zoho.DETECTOR,
    postfix_provider.YANDEX,  # providers running Postfix: before the postfix detector
    postfix_provider.AOL,
    postfix_provider.APPLE,
    mcafee.DETECTOR,  # MTA formats and gateways, gated by their own headers / senders first
    surfcontrol.DETECTOR,
    activehunter.DETECTOR,
    mxlogic.DETECTOR,
    fml.DETECTOR,
    mfilter.DETECTOR,
    barracuda.DETECTOR,
    domino.DETECTOR,
    mailfoundry.DETECTOR,
    mimecast.DETECTOR,
    amavis.DETECTOR,
    verizon.DETECTOR,
    kddi.DETECTOR,
    ezweb.DETECTOR,
    biglobe.DETECTOR,
    bigfoot.DETECTOR,
    courier.DETECTOR,
    x1.DETECTOR,
    x3.DETECTOR,
    x6.DETECTOR,
    x5.DETECTOR,  # before sendmail: same shell text
    x2.DETECTOR,  # before qmail: same queue-timeout sentence
    x4.DETECTOR,
    postfix.DETECTOR,
    exim.DETECTOR,
    sendmail.DETECTOR,
    qmail.DETECTOR,
    dragonfly.DETECTOR,
    opensmtpd.DETECTOR,
    messagingserver.DETECTOR,
    rfc3464.DETECTOR,
    plaintext.DETECTOR,  # last resort for text bounces of unknown MTAs
    rfc3834.DETECTOR,
)

__all__ = ["DETECTORS", "Detection", "Detector", "Found"]
