"""The `type = "graph"` source: its config record and validation (one TOML table -> GraphConfig).

Every wrong, missing or unknown key raises ConfigError naming it: "sources[2].tenant_id: required".
Secrets are never in the table: only client_secret_env / client_secret_file / certificate_file.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.msauth import AUTH_KEYS, MsAuthConfig, for_user, parse_auth
from connectors.tomlkeys import Keys

DEFAULT_GRAPH_ENDPOINT = "https://graph.microsoft.com"
AFTER_KINDS = ("none", "read", "move")
_KEYS = AUTH_KEYS | {
    "name", "type", "mailbox", "folder", "graph_endpoint", "after", "page_size", "max_retry_after",
    "max_retries", "max_concurrent_requests", "timeout", "scopes",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class After:
    """What to do with a message once it is stored: `none`, `read` or `move:Folder`."""

    kind: str  # "none", "read" (PATCH isRead) or "move" (POST .../move; the message gets a new id)
    folder: str | None = None  # the target folder path of `move:`


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphConfig:
    """One Microsoft Graph source: a folder of one mailbox, read through the messages delta query."""

    name: str  # the source's name (log lines, store, `ndr state`)
    where: str  # config location for messages, e.g. "sources[2]"
    auth: MsAuthConfig  # how to sign in (client credentials with secret/certificate, or device code as `mailbox`
    #                     or `account`, on a terminal only)
    mailbox: str  # the mailbox's user principal name, e.g. bounces@example.com
    folder: str  # display-name path matched case-insensitively ("Inbox/Bounces") or a well-known name
    graph_endpoint: str  # https://graph.microsoft.com, or a national cloud's Graph root
    after: After  # the after-action
    page_size: int  # delta page size asked for with Prefer: odata.maxpagesize
    max_retry_after: float  # longest Retry-After (seconds) honoured; longer => SourceError
    max_retries: int  # retries of one request on 429/503/504 and connection errors
    max_concurrent_requests: int  # parallel $value downloads per mailbox (1-4)
    timeout: float  # seconds for connect and for each read
    scopes: tuple[str, ...] | None  # device_code only: delegated scopes instead of <graph>/Mail.Read(Write)

    @property
    def permission(self) -> str:
        """The Graph permission this source needs, as named in the app registration."""
        name = "Mail.Read" if self.after.kind == "none" else "Mail.ReadWrite"
        return f"{name} ({'Application' if self.auth.flow == 'client_credentials' else 'Delegated'})"

    def token_scopes(self) -> tuple[str, ...]:
        """msal scopes: `<graph>/.default` for app-only, delegated Mail.Read(Write) for device code."""
        if self.auth.flow == "client_credentials":
            return (f"{self.graph_endpoint}/.default",)
        if self.scopes:
            return self.scopes
        return (f"{self.graph_endpoint}/{self.permission.split()[0]}",)


def parse_config(table: dict[str, object], where: str) -> GraphConfig:
    """Validate one `[[sources]]` table of type graph. Raises ConfigError naming the key."""
    keys = Keys(table, where)
    keys.reject_unknown(_KEYS, "graph")
    name = keys.required("name")
    auth = parse_auth(keys)
    endpoint = (keys.text("graph_endpoint") or DEFAULT_GRAPH_ENDPOINT).rstrip("/")
    if not endpoint.startswith("https://"):
        raise keys.fail("graph_endpoint", "must be an https:// URL, e.g. https://graph.microsoft.com")
    if endpoint.endswith(("/v1.0", "/beta")):
        raise keys.fail("graph_endpoint", "give the Graph root without the version, e.g. https://graph.microsoft.com")
    mailbox = keys.required("mailbox")
    if "@" not in mailbox:
        raise keys.fail("mailbox", f"must be the mailbox's user principal name (user@example.com), not {mailbox!r}")
    scopes = keys.strings("scopes")
    if scopes is not None and auth.flow != "device_code":
        raise keys.fail("scopes", "only used with auth = \"device_code\" (app-only sign-in uses <graph>/.default)")
    return GraphConfig(
        name=name, where=where, auth=for_user(auth, mailbox, "mailbox"), mailbox=mailbox,
        folder=_folder(keys, "folder", keys.text("folder")),
        graph_endpoint=endpoint, after=_after(keys),
        page_size=keys.integer("page_size", 100, lambda n: 1 <= n <= 1000, "must be 1-1000"),
        max_retry_after=keys.number("max_retry_after", 120.0, lambda s: 1 <= s <= 3600, "must be 1-3600 seconds"),
        max_retries=keys.integer("max_retries", 5, lambda n: 0 <= n <= 20, "must be 0-20"),
        max_concurrent_requests=keys.integer("max_concurrent_requests", 4, lambda n: 1 <= n <= 4,
                                             "must be 1-4 (Graph allows 4 concurrent requests per mailbox)"),
        timeout=keys.number("timeout", 60.0, lambda s: 0 < s <= 600, "must be 1-600 seconds"),
        scopes=scopes,
    )


def _folder(keys: Keys, key: str, value: str | None) -> str:
    path = value or "inbox"
    parts = [p.strip() for p in path.strip("/").split("/")]
    if not all(parts):
        raise keys.fail(key, f"empty folder name in {path!r}")
    return "/".join(parts)


def _after(keys: Keys) -> After:
    value = keys.text("after") or "none"
    kind, _, folder = value.partition(":")
    kind = kind.strip().lower()
    if kind not in AFTER_KINDS:
        raise keys.fail("after", f"must be 'none', 'read' or 'move:Folder', not {value!r}")
    if kind == "move":
        if not folder.strip():
            raise keys.fail("after", "move needs a folder: 'move:Inbox/Processed'")
        return After(kind=kind, folder=_folder(keys, "after", folder))
    if folder:
        raise keys.fail("after", f"{kind!r} takes no folder")
    return After(kind=kind)
