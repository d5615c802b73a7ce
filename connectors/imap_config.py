"""The `type = "imap"` source: its config record and its validation (one TOML table -> ImapConfig).

Every wrong, missing or unknown key raises ConfigError naming it: "sources[1].host: required".
Secrets are never in the table: only the names of the environment variables or files holding them.
Microsoft 365 sign-in uses the keys of connectors/msauth.py: XOAUTH2 with an app-only token
(`auth = "xoauth2"`, client credentials) or with a delegated one (`auth = "device_code"`: the operator
signs in once in a terminal as `username`, or as `account` for a shared mailbox, later runs refresh it
silently from `token_cache_file`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from connectors.msauth import AUTH_KEYS, DEFAULT_AUTHORITY_HOST, MsAuthConfig, for_user, parse_auth
from connectors.tomlkeys import Keys
from ndr.secrets import SecretRef, secret_ref


class Tls(StrEnum):
    """How the connection is protected."""

    IMPLICIT = "implicit"  # IMAPS: TLS from the first byte (port 993)
    STARTTLS = "starttls"  # plain connect, then STARTTLS before login (port 143); refuses to go on without it
    NONE = "none"  # no TLS at all: loopback tests only, logged as a warning


class Auth(StrEnum):
    """How to log in."""

    PASSWORD = "password"  # noqa: S105 - a mode name, not a secret. LOGIN with password_env / password_file
    XOAUTH2 = "xoauth2"  # AUTHENTICATE XOAUTH2 with a token from msal (client credentials) or token_command
    DEVICE_CODE = "device_code"  # AUTHENTICATE XOAUTH2 with a delegated msal token (device code, cached refresh token)

    @property
    def oauth(self) -> bool:
        """True when the login is AUTHENTICATE XOAUTH2 with an access token."""
        return self is not Auth.PASSWORD


class AfterKind(StrEnum):
    """What to do with a message once it is stored."""

    NONE = "none"  # leave it as it is (the folder is opened read-only, EXAMINE)
    SEEN = "seen"  # set \\Seen
    MOVE = "move"  # MOVE to `After.folder` (COPY + \\Deleted + UID EXPUNGE without MOVE)
    DELETE = "delete"  # \\Deleted + UID EXPUNGE; needs allow_delete = true


@dataclass(frozen=True, slots=True, kw_only=True)
class After:
    """The after-action: `none`, `seen`, `move:Folder` or `delete`."""

    kind: AfterKind  # the action
    folder: str | None = None  # the target folder of `move:`


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapConfig:
    """One IMAP source."""

    name: str  # the source's name (log lines, store, `ndr state`)
    where: str  # config location for messages, e.g. "sources[0]"
    host: str  # server name (also the name the certificate must carry)
    port: int  # 993 for implicit TLS, 143 otherwise, unless set
    tls: Tls  # implicit / starttls / none
    tls_verify: bool  # verify the server certificate and name (default true)
    ca_file: str | None  # PEM of a private CA to trust instead of the system store
    username: str  # login name (for XOAUTH2: the mailbox address)
    auth: Auth  # password / xoauth2 / device_code
    password: SecretRef | None  # for auth = password
    token_command: tuple[str, ...] | None  # for xoauth2: argv of a command printing an access token
    msal: MsAuthConfig | None  # xoauth2 without token_command: client credentials; device_code: delegated
    scope: str  # msal scope of the token (app-only: https://outlook.office365.com/.default; see DELEGATED_SCOPES)
    folders: tuple[str, ...]  # folders to scan, in order (default INBOX)
    after: After  # what to do once a message is stored
    batch_size: int  # messages per UID FETCH
    max_batch_bytes: int  # and at most this many bytes per UID FETCH (by RFC822.SIZE)
    max_message_bytes: int  # a larger message is fetched up to this size only
    timeout: float  # seconds for connect and for each read
    retries: int  # reconnect attempts after a dropped connection before giving up
    retry_backoff: float  # first wait before reconnecting, in seconds; doubled each attempt (capped at 60 s)


DEFAULT_SCOPE = "https://outlook.office365.com/.default"
# auth = "device_code": the delegated IMAP scope of Exchange Online per national cloud, by the login host
# (learn.microsoft.com/exchange/client-developer/legacy-protocols/
# how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth, and the national cloud endpoint lists).
# msal adds offline_access (the refresh token), openid and profile itself and refuses them in `scope`.
# US DoD (login.microsoftonline.us too, but outlook-dod.office365.us) sets `scope` itself.
DELEGATED_SCOPES = {
    "https://login.microsoftonline.com": "https://outlook.office.com/IMAP.AccessScope",
    "https://login.microsoftonline.us": "https://outlook.office365.us/IMAP.AccessScope",  # GCC High
    "https://login.partner.microsoftonline.cn": "https://partner.outlook.cn/IMAP.AccessScope",  # 21Vianet
}
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
DEFAULT_BATCH = 100  # messages per UID FETCH: see the measurement in bench/imap.py
# msal keys of an imap source: not `auth` (ours says password/xoauth2/device_code)
_MSAL_KEYS = AUTH_KEYS - {"auth"}
_KEYS = _MSAL_KEYS | {
    "name", "type", "host", "port", "tls", "tls_verify", "ca_file", "username", "auth",
    "password_env", "password_file", "token_command", "scope", "folders", "after", "allow_delete",
    "batch_size", "max_batch_bytes", "max_message_bytes", "timeout", "retries", "retry_backoff",
}


def parse_config(table: dict[str, object], where: str) -> ImapConfig:
    """Validate one `[[sources]]` table of type imap. Raises ConfigError naming the key."""
    keys = Keys(table, where)
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise keys.fail(unknown[0], "unknown key for an imap source")
    tls = Tls(keys.choice("tls", [t.value for t in Tls], Tls.IMPLICIT.value))
    auth = Auth(keys.choice("auth", [a.value for a in Auth], Auth.PASSWORD.value))
    password = _password(keys, auth)
    token_command = _token_command(keys, auth)
    msal = _msal(keys, auth, token_command)
    scope = _scope(keys, msal)
    return ImapConfig(
        name=keys.required("name"), where=where, host=keys.required("host"),
        port=keys.integer("port", 993 if tls is Tls.IMPLICIT else 143, lambda p: 0 < p < 65536, "must be 1-65535"),
        tls=tls, tls_verify=keys.flag("tls_verify", True), ca_file=keys.text("ca_file"),
        username=keys.required("username"), auth=auth, password=password,
        token_command=token_command, msal=msal, scope=scope,
        folders=_folders(keys), after=_after(keys),
        batch_size=keys.integer("batch_size", DEFAULT_BATCH, lambda n: 1 <= n <= 5000, "must be 1-5000"),
        max_batch_bytes=keys.integer("max_batch_bytes", 32 << 20, lambda n: n >= 1 << 16, "must be at least 65536"),
        max_message_bytes=keys.integer("max_message_bytes", 64 << 20, lambda n: n >= 1 << 16,
                                       "must be at least 65536"),
        timeout=keys.number("timeout", 60.0, lambda s: 0 < s <= 3600, "must be 0-3600 seconds"),
        retries=keys.integer("retries", 5, lambda n: 0 <= n <= 50, "must be 0-50"),
        retry_backoff=keys.number("retry_backoff", 2.0, lambda s: 0 <= s <= 600, "must be 0-600 seconds"),
    )


def _password(keys: Keys, auth: Auth) -> SecretRef | None:
    if auth is not Auth.PASSWORD:
        for key in ("password_env", "password_file"):
            if key in keys.table:
                raise keys.fail(key, f"not used with auth = \"{auth}\"")
        return None
    return secret_ref(keys.table, keys.where, env_key="password_env", file_key="password_file")


def _token_command(keys: Keys, auth: Auth) -> tuple[str, ...] | None:
    raw = keys.table.get("token_command")
    if raw is None:
        return None
    if auth is not Auth.XOAUTH2:
        raise keys.fail("token_command", "only used with auth = \"xoauth2\"")
    if isinstance(raw, str) and raw.strip():
        return tuple(shlex.split(raw))
    if isinstance(raw, list) and raw and all(isinstance(a, str) and a for a in raw):
        return tuple(str(a) for a in raw)
    raise keys.fail("token_command", "must be a command line string or a list of strings")


def _msal(keys: Keys, auth: Auth, token_command: tuple[str, ...] | None) -> MsAuthConfig | None:
    given = sorted(k for k in _MSAL_KEYS if k in keys.table)
    if auth is Auth.DEVICE_CODE:
        table = {"auth": "device_code", **{k: keys.table[k] for k in given}}
        return for_user(parse_auth(Keys(table, keys.where)), keys.required("username"), "username")
    if auth is Auth.XOAUTH2 and token_command is None:
        if "token_cache_file" in keys.table:
            raise keys.fail("token_cache_file", "only used with auth = \"device_code\"")
        return parse_auth(Keys({k: keys.table[k] for k in given}, keys.where))
    if given:
        why = "not used with token_command" if auth is Auth.XOAUTH2 else f"not used with auth = \"{auth}\""
        raise keys.fail(given[0], why)
    if "scope" in keys.table:
        raise keys.fail("scope", "only used for an msal token (auth = \"device_code\", or \"xoauth2\" without "
                        "token_command)")
    return None


def _scope(keys: Keys, msal: MsAuthConfig | None) -> str:
    given = keys.text("scope")
    if msal is None or msal.flow != "device_code":
        return given or DEFAULT_SCOPE
    if given is None:
        return DELEGATED_SCOPES.get(msal.authority_host, DELEGATED_SCOPES[DEFAULT_AUTHORITY_HOST])
    if given.lower() in _RESERVED_SCOPES or len(given.split()) != 1:
        raise keys.fail("scope", f"give one resource scope such as {DELEGATED_SCOPES[DEFAULT_AUTHORITY_HOST]!r} "
                        f"(offline_access is always asked for), not {given!r}")
    return given


def _folders(keys: Keys) -> tuple[str, ...]:
    raw = keys.table.get("folders")
    if raw is None:
        return ("INBOX",)
    folders = Keys({"folders": [raw] if isinstance(raw, str) else raw}, keys.where).strings("folders")
    assert folders is not None
    if len(set(folders)) != len(folders):
        raise keys.fail("folders", "lists a folder twice")
    return folders


def _after(keys: Keys) -> After:
    raw = keys.text("after") or "none"
    allow_delete = keys.flag("allow_delete", False)
    kind, _, folder = raw.partition(":")
    try:
        action = AfterKind(kind.strip().lower())
    except ValueError:
        raise keys.fail("after", f"must be \"none\", \"seen\", \"move:Folder\" or \"delete\", not {raw!r}") from None
    if action is AfterKind.MOVE:
        if not folder.strip():
            raise keys.fail("after", "move needs a folder: \"move:Processed\"")
        return After(kind=action, folder=folder.strip())
    if folder:
        raise keys.fail("after", f"only move takes a folder, not {raw!r}")
    if action is AfterKind.DELETE and not allow_delete:
        raise keys.fail("after", "\"delete\" also needs allow_delete = true (messages are expunged for good)")
    return After(kind=action)
