"""The `type = "imap"` source: its config record and its validation (one TOML table -> ImapConfig).

Every wrong, missing or unknown key raises ConfigError naming it: "sources[1].host: required".
Secrets are never in the table: only the names of the environment variables or files holding them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ndr.errors import ConfigError

T = TypeVar("T")


class Tls(StrEnum):
    """How the connection is protected."""

    IMPLICIT = "implicit"  # IMAPS: TLS from the first byte (port 993)
    STARTTLS = "starttls"  # plain connect, then STARTTLS before login (port 143); refuses to go on without it
    NONE = "none"  # no TLS at all: loopback tests only, logged as a warning


class Auth(StrEnum):
    """How to log in."""

    PASSWORD = "password"  # noqa: S105 - a mode name, not a secret. LOGIN with password_env / password_file
    XOAUTH2 = "xoauth2"  # AUTHENTICATE XOAUTH2 with a token from msal (client credentials) or token_command


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
class SecretRef:
    """Where a secret lives; never the secret itself."""

    env: str | None = None  # name of an environment variable
    file: str | None = None  # path of a file whose first line is the secret


@dataclass(frozen=True, slots=True, kw_only=True)
class MsalConfig:
    """Microsoft 365 app-only token (client credentials) for XOAUTH2."""

    tenant_id: str  # directory (tenant) id or domain
    client_id: str  # application (client) id
    secret: SecretRef | None  # client_secret_env / client_secret_file
    certificate_file: str | None  # PEM with the private key (RSA) and the certificate, instead of a secret
    authority: str  # login host, e.g. https://login.microsoftonline.com (national clouds differ)
    scope: str  # https://outlook.office365.com/.default


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapConfig:
    """One IMAP source."""

    name: str  # the source's name (log lines, store, `ndr state`)
    where: str  # config location for messages, e.g. "sources[1]"
    host: str  # server name (also the name the certificate must carry)
    port: int  # 993 for implicit TLS, 143 otherwise, unless set
    tls: Tls  # implicit / starttls / none
    tls_verify: bool  # verify the server certificate and name (default true)
    ca_file: str | None  # PEM of a private CA to trust instead of the system store
    username: str  # login name (for XOAUTH2: the mailbox address)
    auth: Auth  # password / xoauth2
    password: SecretRef | None  # for auth = password
    token_command: tuple[str, ...] | None  # for xoauth2: argv of a command printing an access token
    msal: MsalConfig | None  # for xoauth2 without token_command
    folders: tuple[str, ...]  # folders to scan, in order (default INBOX)
    after: After  # what to do once a message is stored
    batch_size: int  # messages per UID FETCH
    max_batch_bytes: int  # and at most this many bytes per UID FETCH (by RFC822.SIZE)
    max_message_bytes: int  # a larger message is fetched up to this size only
    timeout: float  # seconds for connect and for each read
    retries: int  # reconnect attempts after a dropped connection before giving up
    retry_backoff: float  # first wait before reconnecting, in seconds; doubled each attempt (capped at 60 s)


DEFAULT_SCOPE = "https://outlook.office365.com/.default"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"

_KEYS = frozenset({
    "name", "type", "host", "port", "tls", "tls_verify", "ca_file", "username", "auth",
    "password_env", "password_file", "token_command", "tenant_id", "client_id", "client_secret_env",
    "client_secret_file", "certificate_file", "authority", "scope", "folders", "after", "allow_delete",
    "batch_size", "max_batch_bytes", "max_message_bytes", "timeout", "retries", "retry_backoff",
})


class _Table:
    """Typed access to one TOML table; every error names `where.key`."""

    def __init__(self, table: dict[str, object], where: str) -> None:
        self.t, self.where = table, where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}.{key}: {problem}")

    def get(self, key: str, kind: type[T], default: T | None = None, *, required: bool = False) -> T | None:
        value = self.t.get(key)
        if value is None:
            if required:
                raise self.fail(key, "required")
            return default
        # bool is an int subclass: never accept one for the other
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)  # type: ignore[return-value]
        if not ok:
            raise self.fail(key, f"must be {_name(kind)}, not {_name(type(value))}")
        return value  # type: ignore[return-value]

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.get(key, str, default, required=required)
        if value is not None and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def number(self, key: str, kind: type[T], default: T, check: Callable[[T], bool], rule: str) -> T:
        value = self.get(key, kind, default)
        assert value is not None
        if not check(value):
            raise self.fail(key, rule)
        return value

    def choice(self, key: str, enum: type[StrEnumT], default: StrEnumT) -> StrEnumT:
        value = self.text(key, default.value)
        assert value is not None
        try:
            return enum(value.lower())
        except ValueError:
            raise self.fail(key, f"must be one of {', '.join(repr(m.value) for m in enum)}, not {value!r}") from None


StrEnumT = TypeVar("StrEnumT", bound=StrEnum)
_TYPE_NAMES: dict[type, str] = {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
                                 list: "a list", dict: "a table"}


def _name(kind: type) -> str:
    return _TYPE_NAMES.get(kind, kind.__name__)


def parse_config(table: dict[str, object], where: str) -> ImapConfig:
    """Validate one `[[sources]]` table of type imap. Raises ConfigError naming the key."""
    t = _Table(table, where)
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise t.fail(unknown[0], "unknown key for an imap source")
    tls = t.choice("tls", Tls, Tls.IMPLICIT)
    auth = t.choice("auth", Auth, Auth.PASSWORD)
    name = t.text("name", required=True)
    host = t.text("host", required=True)
    username = t.text("username", required=True)
    assert name is not None and host is not None and username is not None
    return ImapConfig(
        name=name, where=where, host=host,
        port=t.number("port", int, 993 if tls is Tls.IMPLICIT else 143, lambda p: 0 < p < 65536, "must be 1-65535"),
        tls=tls, tls_verify=bool(t.get("tls_verify", bool, True)), ca_file=t.text("ca_file"),
        username=username, auth=auth,
        password=_password(t, auth), token_command=_token_command(t, auth), msal=_msal(t, auth),
        folders=_folders(t), after=_after(t),
        batch_size=t.number("batch_size", int, 100, lambda n: 1 <= n <= 5000, "must be 1-5000"),
        max_batch_bytes=t.number("max_batch_bytes", int, 32 << 20, lambda n: n >= 1 << 16, "must be at least 65536"),
        max_message_bytes=t.number("max_message_bytes", int, 64 << 20, lambda n: n >= 1 << 16,
                                   "must be at least 65536"),
        timeout=t.number("timeout", float, 60.0, lambda s: 0 < s <= 3600, "must be 0-3600 seconds"),
        retries=t.number("retries", int, 5, lambda n: 0 <= n <= 50, "must be 0-50"),
        retry_backoff=t.number("retry_backoff", float, 2.0, lambda s: 0 <= s <= 600, "must be 0-600 seconds"),
    )


def _secret(t: _Table, env_key: str, file_key: str) -> SecretRef | None:
    env, file = t.text(env_key), t.text(file_key)
    if env and file:
        raise t.fail(file_key, f"give {env_key} or {file_key}, not both")
    return SecretRef(env=env, file=file) if env or file else None


def _password(t: _Table, auth: Auth) -> SecretRef | None:
    ref = _secret(t, "password_env", "password_file")
    if auth is Auth.PASSWORD and ref is None:
        raise t.fail("password_env", "required (or password_file) for auth = \"password\"")
    if auth is not Auth.PASSWORD and ref is not None:
        raise t.fail("password_env" if ref.env else "password_file", f"not used with auth = \"{auth}\"")
    return ref


def _token_command(t: _Table, auth: Auth) -> tuple[str, ...] | None:
    raw = t.t.get("token_command")
    if raw is None:
        return None
    if auth is not Auth.XOAUTH2:
        raise t.fail("token_command", "only used with auth = \"xoauth2\"")
    if isinstance(raw, str) and raw.strip():
        import shlex  # noqa: PLC0415 - only for this rarely used key

        return tuple(shlex.split(raw))
    if isinstance(raw, list) and raw and all(isinstance(a, str) for a in raw):
        return tuple(str(a) for a in raw)
    raise t.fail("token_command", "must be a command line string or a list of strings")


_MSAL_KEYS = ("tenant_id", "client_id", "client_secret_env", "client_secret_file", "certificate_file",
              "authority", "scope")


def _msal(t: _Table, auth: Auth) -> MsalConfig | None:
    given = [k for k in _MSAL_KEYS if k in t.t]
    if auth is not Auth.XOAUTH2 or "token_command" in t.t:
        if given:
            why = "not used with token_command" if auth is Auth.XOAUTH2 else f"not used with auth = \"{auth}\""
            raise t.fail(given[0], why)
        if auth is Auth.XOAUTH2:
            return None
        return None
    tenant, client = t.text("tenant_id", required=True), t.text("client_id", required=True)
    assert tenant is not None and client is not None
    secret = _secret(t, "client_secret_env", "client_secret_file")
    cert = t.text("certificate_file")
    if secret is None and cert is None:
        raise t.fail("client_secret_env", "required (or client_secret_file, or certificate_file) for xoauth2 "
                                          "without token_command")
    if secret is not None and cert is not None:
        raise t.fail("certificate_file", "give a client secret or a certificate, not both")
    authority = t.text("authority", DEFAULT_AUTHORITY)
    assert authority is not None
    if not authority.startswith("https://"):
        raise t.fail("authority", "must be an https:// URL")
    scope = t.text("scope", DEFAULT_SCOPE)
    assert scope is not None
    return MsalConfig(tenant_id=tenant, client_id=client, secret=secret, certificate_file=cert,
                      authority=authority.rstrip("/"), scope=scope)


def _folders(t: _Table) -> tuple[str, ...]:
    raw = t.t.get("folders", ["INBOX"])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f.strip() for f in raw):
        raise t.fail("folders", "must be a non-empty list of folder names, e.g. [\"INBOX\", \"Bounces/NDR\"]")
    folders = tuple(str(f) for f in raw)
    if len(set(folders)) != len(folders):
        raise t.fail("folders", "lists a folder twice")
    return folders


def _after(t: _Table) -> After:
    raw = t.text("after", "none")
    assert raw is not None
    allow_delete = bool(t.get("allow_delete", bool, False))
    kind, _, folder = raw.partition(":")
    try:
        action = AfterKind(kind.strip().lower())
    except ValueError:
        raise t.fail("after", f"must be \"none\", \"seen\", \"move:Folder\" or \"delete\", not {raw!r}") from None
    if action is AfterKind.MOVE:
        if not folder.strip():
            raise t.fail("after", "move needs a folder: \"move:Processed\"")
        return After(kind=action, folder=folder.strip())
    if folder:
        raise t.fail("after", f"only move takes a folder, not {raw!r}")
    if action is AfterKind.DELETE and not allow_delete:
        raise t.fail("after", "\"delete\" also needs allow_delete = true (messages are expunged for good)")
    return After(kind=action)
