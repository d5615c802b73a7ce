"""What each finding says and what the postmaster does about it. Data only: code -> (outcome, text, remedy).

Sources: Google "Email sender guidelines" (support.google.com/a/answer/81126: PTR that resolves
back for every sending IP, IPv6 senders need PTR plus SPF or DKIM, SPF or DKIM for all, DMARC and
alignment for bulk senders; 5.7.25/5.7.26/5.7.27 texts in ../shared/reference/ndr-texts.md),
RFC 7208 (SPF: 4.6.4 ten DNS-querying terms and two void lookups, 4.5 one record), RFC 6376 (DKIM
key records, 3.6.1 empty p= is revoked), RFC 8301 (RSA keys of at least 1024 bits, 2048
recommended), RFC 7489 (DMARC policy discovery and identifier alignment), the block lists' own
pages (ndr/check/dnsbl_data.py).
Templates are str.format'ed with the finding's parameters.
"""

from __future__ import annotations

from ndr.check.model import Finding, Outcome

P, W, U, S = Outcome.PROBLEM, Outcome.WARNING, Outcome.UNKNOWN, Outcome.SKIPPED

# What to do when a lookup failed: the answer is unknown, not negative.
RETRY = ("Run the check again later; if it keeps failing, check the resolver used (--resolver, [dns] resolvers) "
         "and the name servers of {domain}.")

REMEDIES: dict[str, tuple[Outcome, str, str | None]] = {
    # --- reverse DNS ---
    "ptr.missing": (P, "{ip} has no PTR (reverse DNS) record.",
                    "Publish a PTR record for {ip} whose name resolves back to {ip} ({rtype} record). The PTR lives "
                    "in the reverse zone of whoever holds the address block (your hosting provider or ISP, or your "
                    "own zone if it is delegated to you). Gmail refuses mail from addresses without one (5.7.25), "
                    "and requires it from every IPv6 sender."),
    "ptr.not_confirmed": (P, "The PTR name of {ip} ({names}) does not resolve back to it (forward-confirmed "
                             "reverse DNS fails: {forward}).",
                          "Add an {rtype} record {name} -> {ip}, or change the PTR of {ip} to the name of this mail "
                          "server that has one."),
    "ptr.generic": (W, "The PTR name {name} looks generic or dynamic ({why}).",
                    "Receivers treat such names as end-user address space. Give {ip} a PTR naming the mail server "
                    "under your domain (e.g. mail.<your domain>), with a matching {rtype} record."),
    "ptr.unknown": (U, "Reverse DNS of {ip} could not be checked: {why}.",
                    RETRY.replace("{domain}", "the reverse zone")),
    "ptr.forward_unknown": (U, "Whether {name} resolves back to {ip} could not be checked: {why}.",
                            RETRY.replace("{domain}", "{name}")),
    # --- block lists ---
    "dnsbl.listed": (P, "{ip} is listed on {list} ({zone}): {meaning}.",
                     "Find and stop the cause (a compromised account or host, an open relay, a customer sending "
                     "spam), then request removal at {removal}.{note}"),
    "dnsbl.pbl": (W, "{ip} is on {list}'s policy list ({zone}): {meaning}.",
                  "If {ip} is a real mail server, its operator can remove it at {removal}; otherwise send through "
                  "your provider's relay."),
    "dnsbl.unknown": (U, "{list} ({zone}) could not be checked for {ip}: {why}.",
                      "Query block lists through a resolver of your own (not a public one such as 8.8.8.8), "
                      "registered where the list requires it, then run the check again."),
    # --- SPF ---
    "spf.fail": (P, "SPF of {domain} does not authorize {ip}: {result} (decided by '{mechanism}').",
                 "Add {ip} (ip4:/ip6:) or the include: of the service that sends for you to the SPF record of "
                 "{domain}, before its '{mechanism}'."),
    "spf.neutral": (W, "SPF of {domain} neither authorizes nor forbids {ip}: {result} (decided by '{mechanism}').",
                    "Add {ip} (or your sending service's include:) to the SPF record of {domain}, and end the "
                    "record with ~all or -all."),
    "spf.none": (P, "{domain} publishes no SPF record.",
                 "Publish a TXT record at {domain}: \"v=spf1 <your sending servers and includes> -all\"."),
    "spf.permerror": (P, "The SPF record of {domain} is broken: {why}.",
                      "Fix the record: one v=spf1 TXT record, valid syntax, at most 10 DNS-querying terms (include, "
                      "a, mx, ptr, exists, redirect) and at most 2 that find nothing; replace nested includes by "
                      "ip4:/ip6: ranges if needed. Receivers treat a broken record as no authorization."),
    "spf.temperror": (U, "SPF of {domain} could not be evaluated: {why}.", RETRY),
    # --- DKIM ---
    "dkim.missing": (P, "No DKIM key is published at {name} (the message is signed with d={domain} s={selector}).",
                     "Publish the selector's public key as TXT at {name}, or sign with a selector that has one."),
    "dkim.revoked": (P, "The DKIM key at {name} is revoked (empty p=): signatures with s={selector} fail.",
                     "Sign with a current selector (rotate the signing key) and stop using s={selector}."),
    "dkim.invalid": (P, "The DKIM key record at {name} does not parse: {why}.",
                     "Republish it as \"v=DKIM1; k=rsa; p=<base64 public key>\" (the key from your signing system)."),
    "dkim.weak": (P, "The DKIM key at {name} has only {bits} bits: receivers ignore RSA keys under 1024 bits.",
                  "Rotate to a 2048-bit RSA key."),
    "dkim.short": (W, "The DKIM key at {name} has {bits} bits; 2048 is recommended.",
                   "Rotate to a 2048-bit RSA key when convenient."),
    "dkim.unknown": (U, "The DKIM key at {name} could not be checked: {why}.", RETRY),
    "dkim.unsigned": (W, "The returned message carries no DKIM-Signature.",
                      "Sign outgoing mail with DKIM for the From domain {domain} (Gmail requires SPF or DKIM from "
                      "all senders, both for bulk senders)."),
    # --- DMARC ---
    "dmarc.none": (W, "{domain} publishes no DMARC record (looked up _dmarc.{domain}{org_note}).",
                   "Publish TXT at _dmarc.{org}: \"v=DMARC1; p=none; rua=mailto:<reports address>\", read the "
                   "reports, then move to p=quarantine or p=reject. Gmail and Yahoo require DMARC of bulk senders."),
    "dmarc.invalid": (P, "The DMARC record for {domain} is invalid: {why}.",
                      "Fix the record at {record_domain}: it must start with \"v=DMARC1;\" and have a valid p= "
                      "(none, quarantine or reject)."),
    "dmarc.unknown": (U, "DMARC of {domain} could not be checked: {why}.", RETRY),
    "dmarc.not_aligned": (P, "Neither SPF nor DKIM would align with the From domain {domain} (policy {policy}): "
                             "{spf_why}; {dkim_why}.",
                          "Use an envelope sender (Return-Path) under {org} that SPF authorizes, and/or DKIM-sign "
                          "with d={domain} (or d={org} with relaxed alignment)."),
    # --- offline ---
    "offline": (S, "{what}: not checked (offline).", None),
}

def finding(code: str, subject: str, *, override_remedy: str | None = None, **params: object) -> Finding:
    """A Finding from the table, its text and remedy filled with `params`.

    `override_remedy` replaces the table's remedy: for an IP in a provider's shared pool
    (reports/networks_data.py) its PTR records and listings are the provider's to fix, not yours.
    """
    outcome, text, remedy = REMEDIES[code]
    return Finding(
        code=code,
        outcome=outcome,
        subject=subject,
        text=text.format(**params),
        remedy=override_remedy if override_remedy is not None else (remedy.format(**params) if remedy else None),
    )
