"""OAuth2 access tokens for sources: msal client credentials (Microsoft 365), or a command printing a token.

Shared by the IMAP connector (XOAUTH2) and usable by the Graph connector. Every failure is an
AuthError with one line that says how to fix it; tokens and secrets never appear in messages.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ndr.errors import AuthError, SourceError

# AADSTS codes seen by unattended apps, and the fix. Source: Microsoft Entra authentication and
# authorization error codes, https://learn.microsoft.com/entra/identity-platform/reference-error-codes
AADSTS_FIXES: Mapping[str, str] = {
    "90002": "tenant not found: check tenant_id (the directory id or a verified domain)",
    "900023": "tenant_id is not a valid tenant id or domain",
    "700016": "application not found in this tenant: check client_id and tenant_id, or the app was not "
              "consented in this tenant",
    "7000215": "invalid client secret: use the secret's value (not its id) and check it has not expired",
    "7000222": "the client secret has expired: create a new one in the app registration",
    "700027": "certificate assertion rejected: upload this certificate to the app registration",
    "65001": "admin consent missing: grant admin consent for the app's application permissions",
    "1002012": "the scope must end with /.default for client credentials",
    "500011": "resource not found in the tenant: check the scope (e.g. https://outlook.office365.com/.default)",
    "53003": "blocked by a Conditional Access policy: ask the tenant admin to exclude this app",
}
_AADSTS = re.compile(r"AADSTS(\d+)")


def explain_token_error(result: Mapping[str, Any]) -> str:
    """One line for an OAuth error dict from msal: the AADSTS code, what it means and the fix."""
    desc = str(result.get("error_description") or "").strip()
    m = _AADSTS.search(desc)
    first = desc.splitlines()[0] if desc else ""
    if m and m.group(1) in AADSTS_FIXES:
        return f"AADSTS{m.group(1)}: {AADSTS_FIXES[m.group(1)]}"
    return f"{result.get('error') or 'error'}: {first[:200]}" if first else str(result.get("error") or "error")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCredentials:
    """What msal needs for an app-only token."""

    tenant_id: str  # directory id or domain
    client_id: str  # application id
    authority: str  # e.g. https://login.microsoftonline.com
    scope: str  # <resource>/.default
    secret: str | None = None  # client secret value (never logged)
    certificate_pem: str | None = None  # PEM with private key and certificate, instead of a secret

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"ClientCredentials(tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"


class MsalTokens:
    """Client-credentials tokens from msal, cached by msal between calls (one app per source)."""

    def __init__(self, creds: ClientCredentials, *, where: str, timeout: float = 30.0) -> None:
        self._creds, self._where, self._timeout = creds, where, timeout
        self._app: Any = None

    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        import msal  # noqa: PLC0415 - heavy import, only for sources that need it
        import requests  # noqa: PLC0415

        c = self._creds
        credential: object = c.secret
        if c.certificate_pem is not None:
            credential = {"private_key": c.certificate_pem, "public_certificate": c.certificate_pem}
        try:
            # instance_discovery=False: the authority is the operator's explicit choice (national clouds,
            # a test stand-in); for Microsoft's own hosts msal skips discovery anyway.
            self._app = msal.ConfidentialClientApplication(
                c.client_id, client_credential=credential, authority=f"{c.authority}/{c.tenant_id}",
                instance_discovery=False, timeout=self._timeout)
        except ValueError as exc:  # OIDC discovery refused: unknown tenant, bad authority, bad key
            text = str(exc)
            m = _AADSTS.search(text)
            if m and m.group(1) in AADSTS_FIXES:
                text = f"AADSTS{m.group(1)}: {AADSTS_FIXES[m.group(1)]}"
            raise AuthError(f"{self._where}: token: {text.splitlines()[0][:300]}") from None
        except requests.RequestException as exc:
            raise SourceError(f"{self._where}: token endpoint {c.authority} unreachable: "
                              f"{type(exc).__name__}") from None
        return self._app

    def token(self) -> str:
        """A valid access token (from msal's cache while it has more than 5 minutes left)."""
        import msal  # noqa: PLC0415
        import requests  # noqa: PLC0415

        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[self._creds.scope])
        except msal.exceptions.MsalServiceError as exc:  # 5xx from the token endpoint
            raise SourceError(f"{self._where}: token endpoint error: {exc}") from None
        except requests.RequestException as exc:
            raise SourceError(f"{self._where}: token endpoint unreachable: {type(exc).__name__}") from None
        if "access_token" not in result:
            raise AuthError(f"{self._where}: token refused: {explain_token_error(result)}")
        return str(result["access_token"])


class CommandTokens:
    """Tokens printed by an operator-supplied command (first line of its standard output)."""

    def __init__(self, argv: tuple[str, ...], *, where: str, timeout: float = 60.0) -> None:
        self._argv, self._where, self._timeout = argv, where, timeout

    def token(self) -> str:
        try:
            done = subprocess.run(self._argv, capture_output=True, timeout=self._timeout, check=False)
        except FileNotFoundError:
            raise AuthError(f"{self._where}.token_command: {self._argv[0]!r} not found") from None
        except subprocess.TimeoutExpired:
            raise AuthError(f"{self._where}.token_command: no token after {self._timeout:.0f} s") from None
        if done.returncode != 0:
            # stderr is the command's own message; one line, bounded (it should not echo secrets)
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise AuthError(f"{self._where}.token_command: exited with status {done.returncode}"
                            + (f": {err[-1][:200]}" if err else ""))
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if not lines or not lines[0].strip():
            raise AuthError(f"{self._where}.token_command: printed no token")
        return lines[0].strip()
