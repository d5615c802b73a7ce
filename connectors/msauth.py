"""Microsoft Entra ID access tokens with msal, for the Graph source (and IMAP XOAUTH2).

Two flows:
- `client_credentials` (unattended, nightly): an app registration with an application permission,
  signed in with a client secret or a certificate (RSA). Scope `<resource>/.default`.
- `device_code` (interactive): the operator signs in once in a browser; msal's token cache is kept
  in a file (mode 0600) and refreshed silently afterwards. The cached account used is the one whose
  username is `MsAuthConfig.account` (case-insensitive: the source's mailbox or login, or its `account`
  key); a cache holding another account only counts as "no signed-in account". With
  `MsAuthConfig.sign_in_on_terminal_only` (the Graph and IMAP sources) a run without a terminal and
  without that cached account fails at once (AuthError naming token_cache_file) instead of waiting for
  a sign-in nobody sees.

`parse_auth(keys)` reads the shared config keys; `TokenSource(config, scopes=..., log=...).token()`
returns an access token (msal serves it from its cache until 5 minutes before expiry). Every
failure is one line naming the config key and the fix (AuthError, exit 2) or, for an unreachable
or failing endpoint, a SourceError. Secrets and tokens never appear in messages or logs.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias

import msal
import platformdirs
import requests
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.mserrors import aadsts_code, explain_aadsts
from connectors.mshttp import make_session
from connectors.tomlkeys import Keys
from ndr.errors import AuthError, ConfigError, SourceError
from ndr.secrets import Secret, SecretRef, warn_if_exposed

Log: TypeAlias = "logging.Logger | logging.LoggerAdapter[logging.Logger]"

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
FLOWS = ("client_credentials", "device_code")
# The keys parse_auth reads; a source type using it adds them to its own known keys.
AUTH_KEYS = frozenset({
    "tenant_id", "client_id", "auth", "client_secret_env", "client_secret_file", "certificate_file",
    "certificate_key_file", "token_cache_file", "authority_host", "instance_discovery", "account",
})
# A token is used until this many seconds before it expires (msal's own cache margin is 5 minutes).
_REFRESH_MARGIN_S = 300
# OAuth errors that mean "try later", not "fix the configuration" (RFC 6749 section 5.2 and msal).
_TRANSIENT = frozenset({"temporarily_unavailable", "server_error", "slow_down"})


@dataclass(frozen=True, slots=True, kw_only=True)
class MsAuthConfig:
    """How to sign in to Entra ID. Holds where secrets are, never the secrets."""

    where: str  # config location for messages, e.g. "sources[2]"
    tenant_id: str  # Directory (tenant) ID or a verified domain
    client_id: str  # Application (client) ID
    flow: str  # "client_credentials" or "device_code" (config key `auth`)
    client_secret_env: str | None  # environment variable holding the client secret
    client_secret_file: Path | None  # or a file whose first line is the client secret
    certificate_file: Path | None  # or a PEM certificate (RSA); may also hold the private key
    certificate_key_file: Path | None  # PEM private key of certificate_file, when kept apart
    token_cache_file: Path | None  # device_code: msal token cache (created with mode 0600)
    authority_host: str  # https://login.microsoftonline.com, or a national cloud's login host
    instance_discovery: bool  # false only for private clouds and test stand-ins
    sign_in_on_terminal_only: bool = False  # device_code: no terminal and no cached account -> AuthError
    account: str | None = None  # device_code: username of the account to use (None: the only cached one)
    account_key: str = "account"  # the config key `account` came from (named in messages)

    def secret_ref(self) -> SecretRef | None:
        """Where the client secret is (ndr.secrets reads it); None with a certificate or device code."""
        if self.client_secret_env is not None:
            return SecretRef(key=f"{self.where}.client_secret_env", env=self.client_secret_env)
        if self.client_secret_file is not None:
            return SecretRef(key=f"{self.where}.client_secret_file", file=self.client_secret_file)
        return None


def parse_auth(keys: Keys) -> MsAuthConfig:
    """Read and check the sign-in keys of one source table (see AUTH_KEYS)."""
    flow = keys.choice("auth", FLOWS, "client_credentials")
    tenant = keys.required("tenant_id")
    secret_env, secret_file = keys.text("client_secret_env"), _file(keys, "client_secret_file")
    cert, cert_key = _file(keys, "certificate_file"), _file(keys, "certificate_key_file")
    cache = _file(keys, "token_cache_file")
    host = (keys.text("authority_host") or DEFAULT_AUTHORITY_HOST).rstrip("/")
    if not host.startswith("https://"):
        raise keys.fail("authority_host", "must be an https:// URL (msal refuses anything else)")
    given = [k for k, v in (("client_secret_env", secret_env), ("client_secret_file", secret_file),
                            ("certificate_file", cert)) if v]
    if flow == "client_credentials":
        if not given:
            raise keys.fail("client_secret_env", "required for auth = \"client_credentials\" "
                            "(or client_secret_file, or certificate_file)")
        if len(given) > 1:
            raise keys.fail(given[1], f"give only one of client_secret_env, client_secret_file, certificate_file "
                            f"(also set: {given[0]})")
        if tenant.lower() in ("common", "organizations", "consumers"):
            raise keys.fail("tenant_id", "app-only sign-in needs your Directory (tenant) ID, not "
                            f"{tenant!r}")
        if cache:
            raise keys.fail("token_cache_file", "only used with auth = \"device_code\"")
    elif given:
        raise keys.fail(given[0], "not used with auth = \"device_code\" (a public client has no secret)")
    if cert_key and not cert:
        raise keys.fail("certificate_key_file", "only used with certificate_file")
    client_id = keys.required("client_id")
    account = keys.text("account")
    if account is not None and flow != "device_code":
        raise keys.fail("account", "only used with auth = \"device_code\"")
    if account is not None and "@" not in account:
        raise keys.fail("account", f"must be the username that signs in (user@example.com), not {account!r}")
    if flow == "device_code" and cache is None:
        cache = str(Path(platformdirs.user_data_dir("ndr")) / f"msal-cache-{_safe(client_id)}.json")
    return MsAuthConfig(
        where=keys.where, tenant_id=tenant, client_id=client_id, flow=flow,
        client_secret_env=secret_env, client_secret_file=_path(secret_file), certificate_file=_path(cert),
        certificate_key_file=_path(cert_key), token_cache_file=_path(cache), authority_host=host,
        instance_discovery=keys.flag("instance_discovery", True), account=account,
    )


def for_user(config: MsAuthConfig, user: str, key: str) -> MsAuthConfig:
    """Device code for a source reading `user`'s mail (config key `key`): that account, unless the
    `account` key names another one (a delegate opening a shared mailbox); sign-in on a terminal only."""
    if config.flow != "device_code":
        return config
    if config.account is not None:
        return replace(config, sign_in_on_terminal_only=True)
    return replace(config, sign_in_on_terminal_only=True, account=user, account_key=key)


class TokenSource:
    """Access tokens for one source; thread-safe. Builds the msal app on the first `token()`."""

    def __init__(
        self,
        config: MsAuthConfig,
        *,
        scopes: Sequence[str],
        log: Log,
        session: requests.Session | None = None,
        prompt: Callable[[str], None] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._c, self._scopes, self._log, self._timeout = config, list(scopes), log, timeout
        self._session = session or make_session(max_retries=3, max_retry_after=120)
        self._prompt = prompt or _to_stderr
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # (access token, monotonic time to stop using it)
        self._app: Any = None
        self._cache: msal.SerializableTokenCache | None = None
        self._secret: Secret | None = None
        self._certificate: dict[str, str] | None = None
        # read now: a missing secret is a configuration error, found before any network I/O
        ref = config.secret_ref()
        if ref is not None:
            warn_if_exposed(ref, log)
            self._secret = ref.load()
        elif config.flow == "client_credentials":
            self._certificate = _load_certificate(config, log)

    def token(self) -> str:
        """A valid access token. Raises AuthError (fix the setup) or SourceError (try later)."""
        with self._lock:
            if self._token is not None and time.monotonic() < self._token[1]:
                return self._token[0]  # msal would serve the same one from its cache, only slower
            app = self._application()
            try:
                if self._c.flow == "client_credentials":
                    result = app.acquire_token_for_client(scopes=self._scopes)
                else:
                    result = self._device_code(app)
            except msal.exceptions.MsalServiceError as exc:  # 5xx from the token endpoint, after retries
                raise SourceError(f"{self._c.where}: token endpoint {self._c.authority_host} failed: {exc}") from None
            except requests.RequestException as exc:
                raise SourceError(f"{self._c.where}: cannot reach {self._c.authority_host}: "
                                  f"{type(exc).__name__}") from None
            token = self._check(result)
            self._log.debug("%s: access token from %s", self._c.where, result.get("token_source", "identity provider"))
            lifetime = result.get("expires_in")
            if isinstance(lifetime, int | float) and not isinstance(lifetime, bool):
                self._token = (token, time.monotonic() + float(lifetime) - _REFRESH_MARGIN_S)
            return token

    # ---- msal application
    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        c = self._c
        common: dict[str, Any] = {
            "authority": f"{c.authority_host}/{c.tenant_id}", "http_client": self._session, "timeout": self._timeout,
            "instance_discovery": c.instance_discovery,
        }
        try:
            if c.flow == "client_credentials":
                credential = self._secret.reveal() if self._secret is not None else self._certificate
                self._app = msal.ConfidentialClientApplication(c.client_id, client_credential=credential, **common)
            else:
                self._cache = _load_cache(c, self._log)
                self._app = msal.PublicClientApplication(c.client_id, token_cache=self._cache, **common)
        except ValueError as exc:  # OIDC discovery refused: unknown tenant or wrong authority host
            code = _code_in_chain(exc)
            if code is None:
                code = 90002  # msal drops the body; a 4xx from discovery means the tenant was not found
            raise AuthError(f"{c.where}: {explain_aadsts(code, str(exc), **self._fields())}") from None
        except requests.RequestException as exc:
            raise SourceError(f"{c.where}: cannot reach {c.authority_host}: {type(exc).__name__}") from None
        return self._app

    def _device_code(self, app: Any) -> Mapping[str, Any]:
        c = self._c
        cached = app.get_accounts()
        accounts = app.get_accounts(username=c.account) if c.account else cached  # msal: case-insensitive
        if c.account is None and len(cached) > 1:
            names = ", ".join(sorted(str(a.get("username")) for a in cached))
            raise AuthError(f"{c.where}.{c.account_key}: {c.token_cache_file} holds several signed-in accounts "
                            f"({names}); set {c.where}.{c.account_key} to the one to use")
        result: Mapping[str, Any] | None = None
        if accounts:
            result = app.acquire_token_silent(self._scopes, account=accounts[0])
        if not result:
            if c.sign_in_on_terminal_only and not on_terminal():
                state = ("the sign-in cached in {} could not be refreshed (expired or revoked)" if accounts
                         else "no signed-in account in {}").format(c.token_cache_file)
                if c.account and not accounts:
                    others = ", ".join(sorted(str(a.get("username")) for a in cached)) or "none"
                    state += f" for {c.account} ({c.where}.{c.account_key}; cached: {others})"
                raise AuthError(f"{c.where}.token_cache_file: {state}; run the scan once interactively "
                                f"(in a terminal) to sign in with the device code{self._as_whom()}")
            flow = app.initiate_device_flow(scopes=self._scopes)
            if "user_code" not in flow:
                return dict(flow)
            self._log.warning("%s: interactive sign-in needed (device code%s); waiting up to %s s",
                              c.where, self._as_whom(), flow.get("expires_in", "?"))
            self._prompt(str(flow["message"]))
            result = app.acquire_token_by_device_flow(flow)
            if "access_token" in result:
                self._save()  # a wrong account too: the `account` key can pick it without a new sign-in
                self._check_account(result)
        if "access_token" in result:
            self._save()
        return result

    def _save(self) -> None:
        if self._cache is not None and self._c.token_cache_file is not None:
            _save_cache(self._c.token_cache_file, self._cache, self._c.where)

    def _as_whom(self) -> str:
        return f" as {self._c.account}" if self._c.account else ""

    def _check_account(self, result: Mapping[str, Any]) -> None:
        """After a sign-in: refuse an account other than the configured one (the next run would not find it)."""
        c = self._c
        claims = result.get("id_token_claims")
        who = str(claims.get("preferred_username") or "") if isinstance(claims, Mapping) else ""
        if c.account is not None and who.lower() != c.account.lower():
            raise AuthError(f"{c.where}.{c.account_key}: signed in as {who or 'an account without a username'}, "
                            f"not {c.account}; run again in a terminal and sign in as {c.account}, or set "
                            f"{c.where}.account = \"{who}\" to open the mailbox as {who} (delegated access)")

    def _check(self, result: Mapping[str, Any]) -> str:
        if "access_token" in result:
            return str(result["access_token"])
        err = result.get("error")
        desc = str(result.get("error_description") or "")
        code = aadsts_code(desc)
        self._log.debug("%s: token error %s: %s", self._c.where, err, desc.replace("\r\n", " | "))
        if code is None and (not isinstance(err, str) or err in _TRANSIENT):
            detail = err.get("code", "?") if isinstance(err, dict) else err
            raise SourceError(f"{self._c.where}: token endpoint {self._c.authority_host} unavailable ({detail}); "
                              "try again later")
        line = explain_aadsts(code, f"{err}: {desc}", **self._fields())
        raise AuthError(f"{self._c.where}: {line}")

    def _fields(self) -> dict[str, str]:
        c = self._c
        secret = (f"{c.where}.client_secret_env ({c.client_secret_env})" if c.client_secret_env
                  else f"{c.where}.client_secret_file ({c.client_secret_file})")
        return {"where": c.where, "tenant": c.tenant_id, "secret": secret,
                "cert": f"{c.where}.certificate_file ({c.certificate_file})", "cache": str(c.token_cache_file)}


# ---- credentials


def _load_certificate(c: MsAuthConfig, log: Log) -> dict[str, str]:
    """{"private_key": PEM, "public_certificate": PEM} for msal; checks the key is RSA and matches."""
    assert c.certificate_file is not None
    cert_ref = SecretRef(key=f"{c.where}.certificate_file", file=c.certificate_file)
    key_ref = cert_ref
    if c.certificate_key_file is not None:
        key_ref = SecretRef(key=f"{c.where}.certificate_key_file", file=c.certificate_key_file)
    warn_if_exposed(key_ref, log)
    cert_pem = cert_ref.read_file()
    key_pem = key_ref.read_file() if key_ref is not cert_ref else cert_pem
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise ConfigError(f"{cert_ref.key}: no PEM certificate in {c.certificate_file}") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(f"{key_ref.key}: no unencrypted PEM private key found") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"{key_ref.key}: Entra ID certificate credentials need an RSA key, "
                          f"not {type(key).__name__.removeprefix('_')}")
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or key.public_key().public_numbers() != public.public_numbers():
        raise ConfigError(f"{key_ref.key}: the private key does not belong to the certificate")
    return {
        "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode("ascii"),
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


# ---- device-code token cache (a file only the owner can read)


def _load_cache(c: MsAuthConfig, log: Log) -> msal.SerializableTokenCache:
    cache = msal.SerializableTokenCache()
    path = c.token_cache_file
    if path is None or not path.exists():
        return cache
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s.token_cache_file: %s was readable by others (mode %o); now 0600", c.where, path, mode)
            path.chmod(0o600)
        cache.deserialize(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{c.where}.token_cache_file: cannot read {path}: {exc.strerror}") from None
    except ValueError:
        log.warning("%s.token_cache_file: %s is not a token cache; signing in again", c.where, path)
    return cache


def _save_cache(path: Path, cache: msal.SerializableTokenCache, where: str) -> None:
    if not cache.has_state_changed:
        return
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)  # an old .tmp keeps its mode through O_CREAT
            fh.write(cache.serialize())
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"{where}.token_cache_file: cannot write {path}: {exc.strerror}") from None
    cache.has_state_changed = False


def on_terminal() -> bool:
    """True when someone can answer a sign-in: stdin and stderr are both terminals (not cron, not a pipe)."""
    return all(s is not None and s.isatty() for s in (sys.stdin, sys.stderr))


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _code_in_chain(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        code = aadsts_code(str(seen))
        if code is not None:
            return code
        seen = seen.__context__
    return None


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _file(keys: Keys, key: str) -> str | None:
    """A file name (ndr.config took a relative one from the config file's directory)."""
    return keys.text(key)


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)[:64]
