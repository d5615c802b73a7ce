"""Microsoft sign-in (AADSTS) and Graph error codes, each explained in one line with the fix.

Rules are data: the tables below are what an operator reads when a nightly scan cannot sign in or
is refused by Graph. The texts never include secrets, only the config keys to look at.
"""

from __future__ import annotations

import re

# AADSTS code -> (what it means, how to fix it). `{where}` is the source's config path.
# Source: "Microsoft Entra authentication and authorization error codes",
# https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes (codes and
# meanings), and "Microsoft identity platform and the OAuth 2.0 client credentials flow" /
# "... device authorization grant flow" for the flow-specific ones.
AADSTS: dict[int, tuple[str, str]] = {
    700016: (
        "unknown application",
        "{where}.client_id is not an app registered in tenant {tenant}: copy the Application (client) ID "
        "from Entra admin center > App registrations, and check {where}.tenant_id",
    ),
    7000215: (
        "invalid client secret",
        "the secret from {secret} is wrong: use the secret's Value (not its Secret ID) from App registrations > "
        "Certificates & secrets, or create a new one",
    ),
    7000222: (
        "client secret expired",
        "create a new client secret under App registrations > Certificates & secrets and update {secret}",
    ),
    90002: (
        "tenant not found",
        "check {where}.tenant_id (the Directory (tenant) ID or a verified domain) and that "
        "{where}.authority_host is the right cloud (national clouds have their own)",
    ),
    900023: (
        "invalid tenant identifier",
        "{where}.tenant_id must be the Directory (tenant) ID (a GUID) or a verified domain such as example.com",
    ),
    90033: (
        "tenant identifier is malformed",
        "{where}.tenant_id must be the Directory (tenant) ID (a GUID) or a verified domain such as example.com",
    ),
    50059: (
        "no tenant in the request",
        "set {where}.tenant_id to your Directory (tenant) ID; 'common' cannot be used for app-only sign-in",
    ),
    50194: (
        "app is not multi-tenant",
        "set {where}.tenant_id to the tenant the app is registered in, not 'common' or 'organizations'",
    ),
    65001: (
        "consent missing",
        "an administrator must grant consent: App registrations > API permissions > Grant admin consent "
        "(Microsoft Graph Mail.Read, Application)",
    ),
    650057: (
        "permission not requested by the app",
        "add Microsoft Graph Mail.Read under App registrations > API permissions, then grant admin consent",
    ),
    500011: (
        "resource not found in the tenant",
        "{where}.graph_endpoint does not match the cloud of {where}.authority_host (e.g. graph.microsoft.us with "
        "login.microsoftonline.us)",
    ),
    70011: (
        "invalid scope",
        "{where}.graph_endpoint must be the Graph root of your cloud, e.g. https://graph.microsoft.com",
    ),
    1002012: (
        "invalid scope for client credentials",
        "app-only sign-in needs the '<graph_endpoint>/.default' scope; check {where}.graph_endpoint",
    ),
    700027: (
        "client assertion (certificate) rejected",
        "upload the public certificate in {cert} to App registrations > Certificates & secrets, and check that "
        "the private key belongs to it",
    ),
    700024: (
        "client assertion outside its valid time range",
        "the clock of this machine is wrong: enable NTP time synchronisation",
    ),
    7000218: (
        "public client flows are disabled for the app",
        "device-code sign-in needs App registrations > Authentication > Allow public client flows = Yes",
    ),
    700025: (
        "the app is a public client",
        "a public client cannot use a secret or certificate: use auth = \"device_code\", or register a "
        "confidential app",
    ),
    7000112: (
        "application disabled",
        "an administrator disabled the app's service principal: Enterprise applications > Properties > "
        "Enabled for users to sign in = Yes",
    ),
    50034: (
        "user not found in the directory",
        "sign in with an account of tenant {tenant} (device code), or check {where}.mailbox",
    ),
    50053: ("account locked", "the signed-in account is locked (too many failed sign-ins): wait, or ask an admin"),
    50057: ("account disabled", "the signed-in account is disabled: ask an administrator to enable it"),
    50076: (
        "multi-factor authentication required",
        "complete MFA during device-code sign-in; app-only sign-in is not subject to MFA",
    ),
    53003: (
        "blocked by Conditional Access",
        "a Conditional Access policy blocks this sign-in: ask an administrator to allow it",
    ),
    70020: ("device code expired", "run again and enter the code within 15 minutes"),
    70043: (
        "refresh token expired",
        "sign in again with the device code: delete {cache} and run interactively",
    ),
    700082: (
        "refresh token expired after inactivity",
        "sign in again with the device code: delete {cache} and run interactively",
    ),
    70000: ("grant invalid or revoked", "sign in again with the device code: delete {cache} and run interactively"),
    70008: ("grant expired or revoked", "sign in again with the device code: delete {cache} and run interactively"),
    50020: (
        "account from another tenant",
        "sign in with an account of tenant {tenant}, or set {where}.tenant_id to the account's tenant",
    ),
}

# Graph error code -> (what it means, how to fix it).
# Source: "Microsoft Graph error responses and resource types",
# https://learn.microsoft.com/en-us/graph/errors, and Exchange Online "Limiting application
# permissions to specific Exchange Online mailboxes" (application access policies / RBAC for Applications).
GRAPH_ERRORS: dict[str, tuple[str, str]] = {
    "ErrorAccessDenied": (
        "access to the mailbox denied",
        "grant Microsoft Graph {permission} with admin consent, and check that no application access policy "
        "or RBAC for Applications scope excludes {mailbox}",
    ),
    "Authorization_RequestDenied": (
        "insufficient privileges",
        "grant Microsoft Graph {permission} with admin consent",
    ),
    "InvalidAuthenticationToken": (
        "Graph rejected the access token",
        "{where}.graph_endpoint and {where}.authority_host must belong to the same cloud",
    ),
    "ErrorInvalidUser": ("no such mailbox", "check {where}.mailbox (the mailbox's user principal name)"),
    "MailboxNotEnabledForRESTAPI": (
        "the mailbox cannot be read through Graph",
        "{mailbox} is on-premises, inactive or unlicensed: use an Exchange Online mailbox or the IMAP source",
    ),
    "ResourceNotFound": ("no such mailbox", "check {where}.mailbox (the mailbox's user principal name)"),
}

_AADSTS_RE = re.compile(r"AADSTS(\d+)")


def aadsts_code(text: str) -> int | None:
    """The first AADSTS code in an error description, if any."""
    m = _AADSTS_RE.search(text)
    return int(m.group(1)) if m else None


def explain_aadsts(code: int | None, fallback: str, **fields: str) -> str:
    """One line: 'AADSTS7000215 (invalid client secret): <fix>'. `fields` fill the fix's placeholders."""
    if code is None or code not in AADSTS:
        prefix = f"AADSTS{code}: " if code is not None else ""
        return f"sign-in refused: {prefix}{_first_line(fallback)}"
    meaning, fix = AADSTS[code]
    return f"sign-in refused: AADSTS{code} ({meaning}); fix: {fix.format_map(_Blank(fields))}"


def explain_graph(code: str, status: int, fallback: str, **fields: str) -> str:
    """One line for a Graph error response: '403 ErrorAccessDenied (access denied); fix: ...'."""
    if code not in GRAPH_ERRORS:
        return f"Graph answered {status} {code}: {_first_line(fallback)}"
    meaning, fix = GRAPH_ERRORS[code]
    return f"Graph answered {status} {code} ({meaning}); fix: {fix.format_map(_Blank(fields))}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no details"
    return line[:300]


class _Blank(dict[str, str]):
    """format_map helper: an unknown placeholder reads as '?' instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"
