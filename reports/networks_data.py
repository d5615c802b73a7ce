"""Well-known sending networks: whose addresses a cluster's prefix belongs to.

Data only. Each entry names the operator, says whether the addresses are a shared pool (the
customer cannot publish PTR records or request delisting for them: the operator must act), and
cites where the ranges were published. Ranges change: these are snapshots, and the user's own
`[networks]` entries in the config take precedence (most specific match wins, the user's own first
at equal length).
"""

from __future__ import annotations

# (name, owner, shared, prefixes)
KNOWN_NETWORKS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    # Microsoft 365 / Exchange Online Protection outbound, endpoint set ID 10
    # (*.mail.protection.outlook.com, TCP 25): MicrosoftDocs/microsoft-365-docs,
    # microsoft-365/includes/office-365-worldwide-endpoints.md (version 2022072800; live feed at
    # endpoints.office.com), quoted in ../shared/reference/ndr-texts.md section 3.4.
    ("Microsoft 365 outbound", "microsoft", True, (
        "2a01:111:f400::/48", "2a01:111:f403::/48",
        "40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17",
    )),
    # Google (Gmail, Google Workspace): the address blocks of AS15169 used for mail, as listed by the
    # includes of _spf.google.com (TXT _netblocks.google.com, _netblocks2.google.com).
    ("Google mail servers", "google", True, (
        "2001:4860::/32", "2404:6800::/32", "2607:f8b0::/32", "2800:3f0::/32", "2a00:1450::/32", "2c0f:fb50::/32",
        "35.190.247.0/24", "64.233.160.0/19", "66.102.0.0/20", "66.249.80.0/20", "72.14.192.0/18",
        "74.125.0.0/16", "108.177.8.0/21", "173.194.0.0/16", "209.85.128.0/17", "216.58.192.0/19",
        "216.239.32.0/19",
    )),
    # Amazon SES outbound: the SPF record of amazonses.com (TXT amazonses.com, "v=spf1 ip4:...").
    ("Amazon SES", "amazonses", True, (
        "199.255.192.0/22", "199.127.232.0/22", "54.240.0.0/18", "69.169.224.0/20", "23.249.208.0/20",
        "23.251.224.0/19", "76.223.176.0/20", "54.240.64.0/19", "54.240.96.0/19", "76.223.128.0/19",
        "216.221.160.0/19", "206.55.144.0/20",
    )),
    # Twilio SendGrid: the SPF record of sendgrid.net (TXT sendgrid.net, "v=spf1 ip4:...").
    ("SendGrid", "sendgrid", True, (
        "167.89.0.0/17", "208.117.48.0/20", "50.31.32.0/19", "198.37.144.0/20", "198.21.0.0/21",
        "192.254.112.0/20", "168.245.0.0/17", "149.72.0.0/16", "159.183.0.0/16", "223.165.64.0/18",
    )),
    # Mailgun: the SPF record of mailgun.org (TXT mailgun.org and its _spf includes).
    ("Mailgun", "mailgun", True, (
        "209.61.151.0/24", "166.78.68.0/22", "198.61.254.0/23", "192.237.158.0/23", "23.253.182.0/23",
        "159.135.224.0/20", "69.72.32.0/20",
    )),
)

# What the customer of a shared pool does instead of fixing DNS or delisting addresses it does not
# own. Sources: Microsoft "Outbound spam protection / high-risk delivery pool" and "Set up connectors
# to route mail" (learn.microsoft.com, Exchange Online), Google Workspace support, AWS SES "dedicated
# IP addresses", SendGrid and Mailgun "dedicated IP" documentation.
OWNER_ACTIONS: dict[str, str] = {
    "microsoft": (
        "These addresses are Microsoft 365's shared outbound pool: you cannot publish their PTR records or delist "
        "them yourself. Open a support ticket with Microsoft quoting these NDRs (addresses, times, the receiver's "
        "text), make sure your domain's SPF includes spf.protection.outlook.com and DKIM signing is enabled for it "
        "in Microsoft 365, and if it persists route mail for this receiver through an outbound connector to a relay "
        "with addresses of your own (PTR, SPF and reputation under your control)."
    ),
    "google": (
        "These addresses are Google's shared mail servers: the fix is not in their DNS. Check that your domain's "
        "SPF includes _spf.google.com, DKIM signing is on in the Google Workspace admin console and DMARC aligns; "
        "open a case with Google Workspace support if it persists."
    ),
    "amazonses": (
        "These addresses are Amazon SES's shared pool: check your SES account's reputation dashboard, bounce and "
        "complaint rates, use a custom MAIL FROM domain with SPF and Easy DKIM, and ask AWS about dedicated IPs."
    ),
    "sendgrid": (
        "These addresses are SendGrid's shared pool: review your SendGrid reputation and suppressions, authenticate "
        "your domain in SendGrid (SPF/DKIM), and consider a dedicated IP; contact SendGrid support if it persists."
    ),
    "mailgun": (
        "These addresses are Mailgun's shared pool: review your Mailgun domain's reputation and suppressions, "
        "verify its SPF/DKIM, and consider a dedicated IP; contact Mailgun support if it persists."
    ),
}
