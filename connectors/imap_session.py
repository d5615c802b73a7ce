"""Opening an authenticated IMAP session: TLS (implicit / STARTTLS / none), certificate checks, login.

Errors are sorted once, here: a refused certificate or a failed login is final (SourceError /
AuthError, never retried); a network fault is `TRANSIENT` and the connector retries it.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from typing import Protocol

import imapclient
from imapclient.exceptions import CapabilityError, LoginError

from connectors.imap_config import Auth, ImapConfig, Tls
from ndr.errors import AuthError, ConfigError, SourceError
from ndr.secrets import Secret

# A dropped or stuck connection: reconnect with backoff. (ssl.SSLError is an OSError; a refused
# certificate is caught before this in `connect`.)
TRANSIENT: tuple[type[Exception], ...] = (OSError, imaplib.IMAP4.abort, EOFError)
_ANY_IMAP: tuple[type[Exception], ...] = (*TRANSIENT, imaplib.IMAP4.error)


class TokenSource(Protocol):
    """Something that returns a fresh OAuth2 access token."""

    def token(self) -> str: ...


def tls_context(cfg: ImapConfig, log: logging.Logger) -> ssl.SSLContext | None:
    """The context for implicit TLS / STARTTLS: system CAs, or only `ca_file`; verification on by default."""
    if cfg.tls is Tls.NONE:
        return None
    try:
        ctx = ssl.create_default_context(cafile=cfg.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{cfg.where}.ca_file: cannot load {cfg.ca_file!r}: {exc.strerror or exc}") from None
    if not cfg.tls_verify:
        log.warning("%s: TLS certificate verification is OFF (tls_verify = false) for %s:%d",
                    cfg.name, cfg.host, cfg.port)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connect(cfg: ImapConfig, *, password: Secret | None, tokens: TokenSource | None,
            log: logging.Logger) -> imapclient.IMAPClient:
    """A logged-in client. Raises AuthError (login refused), SourceError (TLS refused), or TRANSIENT."""
    ctx = tls_context(cfg, log)
    where = f"{cfg.host}:{cfg.port}"
    try:
        client = imapclient.IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls is Tls.IMPLICIT, ssl_context=ctx,
                                       timeout=cfg.timeout)
        if cfg.tls is Tls.STARTTLS:
            client.starttls(ctx)
        elif cfg.tls is Tls.NONE:
            log.warning("%s: connected to %s WITHOUT TLS (tls = \"none\"): credentials cross the network "
                        "in clear", cfg.name, where)
    except ssl.SSLCertVerificationError as exc:
        raise SourceError(f"TLS certificate of {where} not trusted ({exc.verify_message}); if a private CA signed "
                          f"it, set {cfg.where}.ca_file") from None
    except CapabilityError:
        raise SourceError(f"{where} does not offer STARTTLS; refusing to log in without TLS (try tls = "
                          "\"implicit\" on port 993)") from None
    client.normalise_times = False  # INTERNALDATE as aware datetimes
    _login(cfg, client, password, tokens)
    return client


def _login(cfg: ImapConfig, client: imapclient.IMAPClient, password: Secret | None,
           tokens: TokenSource | None) -> None:
    who = f"login as {cfg.username} on {cfg.host}:{cfg.port} refused"
    try:
        if cfg.auth.oauth:
            assert tokens is not None
            client.oauth2_login(cfg.username, tokens.token())
        else:
            assert password is not None
            client.login(cfg.username, password.reveal())
    except LoginError as exc:
        close_quietly(client)
        hint = ""
        if cfg.auth is Auth.DEVICE_CODE:
            cache = cfg.msal.token_cache_file if cfg.msal is not None else None
            account = cfg.msal.account if cfg.msal is not None else None
            hint = (f" (Exchange Online: the app needs the delegated permission IMAP.AccessAsUser.All, and {account}, "
                    f"signed in with the device code into {cache} ({cfg.where}.token_cache_file), access to "
                    f"{cfg.username}; to open it as another account set {cfg.where}.account)")
        elif cfg.msal is not None:
            hint = (" (Exchange Online: the app needs the Office 365 Exchange Online permission IMAP.AccessAsApp "
                    "with admin consent, and its service principal FullAccess to the mailbox)")
        elif cfg.auth is Auth.PASSWORD:
            hint = f" (check {cfg.password.key if cfg.password else 'the password'})"
        raise AuthError(f"{who}: {_server_text(exc)}{hint}") from None


def _server_text(exc: Exception) -> str:
    """The server's reason, one line, without echoing anything we sent."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("b'", 'b"'):
        if text.startswith(prefix):
            text = text[2:-1]
    return text[:200]


def close_quietly(client: imapclient.IMAPClient | None) -> None:
    """LOGOUT if the connection still works; otherwise just drop the socket."""
    if client is None:
        return
    try:
        client.logout()
    except _ANY_IMAP:
        try:
            client.shutdown()
        except _ANY_IMAP:
            return
