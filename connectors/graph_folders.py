"""Find a mail folder's id from a display-name path ("Inbox/Bounces") or a well-known name ("inbox").

Each path segment is matched case-insensitively against the display names of the folders at that
level (top level: /mailFolders, below: /mailFolders/{id}/childFolders, all pages). A first segment
that matches no display name may be a well-known name, which works whatever the mailbox's
language ("inbox" is "Posteingang" in a German mailbox).
"""

from __future__ import annotations

from urllib.parse import quote

from connectors.graph_http import GraphHttp, GraphNotFound
from ndr.errors import ConfigError

# Source: https://learn.microsoft.com/en-us/graph/api/resources/mailfolder#well-known-folder-names
WELL_KNOWN = frozenset({
    "archive", "clutter", "conflicts", "conversationhistory", "deleteditems", "drafts", "inbox", "junkemail",
    "localfailures", "msgfolderroot", "outbox", "recoverableitemsdeletions", "scheduled", "searchfolders",
    "sentitems", "serverfailures", "syncissues",
})


def user_url(http: GraphHttp, mailbox: str) -> str:
    return f"{http.base}/users/{quote(mailbox, safe='@')}"


def resolve_folder(http: GraphHttp, mailbox: str, path: str, *, key: str) -> str:
    """The folder id of `path`; ConfigError naming `key` (e.g. "sources[2].folder") when it does not exist."""
    base = user_url(http, mailbox)
    parts = path.split("/")
    folder_id: str | None = None
    for depth, name in enumerate(parts):
        url = f"{base}/mailFolders"
        if folder_id is not None:
            url = f"{url}/{quote(folder_id, safe='')}/childFolders"
        children = _list(http, url)
        found = next((fid for fid, display in children if display.lower() == name.lower()), None)
        if found is None and depth == 0 and name.lower() in WELL_KNOWN:
            found = _well_known(http, base, name.lower())
        if found is None:
            where = "/".join(parts[:depth]) or f"the top level of {mailbox}"
            names = ", ".join(sorted(display for _, display in children)[:20]) or "none"
            raise ConfigError(f"{key}: no folder {name!r} in {where} (folders there: {names})")
        folder_id = found
    assert folder_id is not None
    return folder_id


def _list(http: GraphHttp, url: str) -> list[tuple[str, str]]:
    """(id, displayName) of every folder in a collection, following @odata.nextLink."""
    out: list[tuple[str, str]] = []
    next_url: str | None = url
    params: dict[str, str] | None = {"$top": "100", "$select": "id,displayName"}
    while next_url:
        page = http.get_json(next_url, params=params)
        out.extend((str(f["id"]), str(f.get("displayName") or "")) for f in page.get("value", ()) if "id" in f)
        next_url, params = page.get("@odata.nextLink"), None  # the nextLink carries the query
    return out


def _well_known(http: GraphHttp, base: str, name: str) -> str | None:
    try:
        folder = http.get_json(f"{base}/mailFolders/{name}", params={"$select": "id,displayName"})
    except GraphNotFound:
        return None
    return str(folder["id"]) if "id" in folder else None
