"""A local stand-in for Entra ID and the Microsoft Graph mail endpoints (recipe: ../shared/recipes/graph-standin.md).

Standard library only (`http.server` + `ssl`), run in a daemon thread inside the test process: one
server per session, a fresh `State` per test swapped in on the handler class. msal accepts https
authorities only, so tests serve TLS from a trustme CA and trust it through REQUESTS_CA_BUNDLE.

Entra ID: openid-configuration, the token endpoint (client credentials with a secret or a signed
client assertion; device code grant), the devicecode endpoint. Errors carry the AADSTS codes the
real service sends. Graph: mailFolders (top level, by id or well-known name, childFolders),
messages (list, delta with nextLink/deltaLink paging, `$value`, PATCH, move). Fault injection
(`State.fail`), a request log (`State.log`) and a peak-concurrency gauge for `$value`
(`State.peak_value_requests`) let tests assert what the client sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import jwt  # PyJWT, a dependency of msal
from cryptography import x509

Json = dict[str, Any]

# Well-known folder names Graph accepts in place of a folder id (subset of
# https://learn.microsoft.com/en-us/graph/api/resources/mailfolder#well-known-folder-names).
WELL_KNOWN = {
    "inbox": "Inbox",
    "archive": "Archive",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
    "junkemail": "Junk Email",
    "sentitems": "Sent Items",
}


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def tok(d: Json) -> str:
    return b64u(json.dumps(d).encode())


def untok(s: str) -> Json:
    out: Json = json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    return out


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def exchange_id() -> str:
    """Ids imitate Exchange's: URL-safe base64 with '-', '_' and a trailing '=' (they catch missing quoting)."""
    return "AAMkAD" + b64u(uuid.uuid4().bytes + uuid.uuid4().bytes) + "-_AAA="


class Request(NamedTuple):
    """One request as the stand-in saw it."""

    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class App:
    """An app registration: a confidential client (secret or certificate) or a public client (device code)."""

    secret: str | None = None
    cert: x509.Certificate | None = None
    public: bool = False


@dataclass
class Folder:
    id: str
    display_name: str
    parent_id: str | None  # None: a top-level folder (child of msgfolderroot)
    well_known: str | None = None
    messages: dict[str, Json] = field(default_factory=dict)


@dataclass
class Fault:
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Json
    remaining: int


class State:
    """Everything the stand-in knows; tests build it, then read `log` and the gauges."""

    def __init__(self, tenant: str = "11111111-2222-3333-4444-555555555555") -> None:
        self.tenant = tenant
        self.base = ""  # set by the fixture: https://127.0.0.1:PORT
        self.apps: dict[str, App] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # access token -> (client_id, expires_at)
        self.mailboxes: dict[str, dict[str, Folder]] = {}  # upn (lowercase) -> folder id -> Folder
        self.seq = 0  # change counter for delta
        self.tombstones: list[tuple[int, str, str, str]] = []  # (seq, upn, folder id, message id)
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self.answers: list[tuple[str, str, int]] = []  # (method, path and query, status) of every response
        self.device_codes: dict[str, int] = {}  # device_code -> polls left before success
        self.device_scopes: dict[str, str] = {}  # device_code -> scope asked for (returned with the token)
        self.delta_generation = 0  # bump to make old deltaLinks answer 410
        self.denied: set[str] = set()  # upns an application access policy hides (403 ErrorAccessDenied)
        self.lock = threading.RLock()
        self.token_lifetime = 3599
        self.access_token: str | None = None  # issue this access token every time (an IMAP test user's "password")
        self.device_user = "operator@example.com"  # who signs in at the next device-code sign-in
        self.refresh_users: dict[str, str] = {}  # refresh token -> the user it was issued to
        self.refreshed: list[str] = []  # the user of each refresh-token grant, in order
        self.value_delay = 0.0  # seconds each $value response takes (makes concurrency observable)
        self.active_value_requests = 0
        self.peak_value_requests = 0
        self.active_graph_requests = 0  # any /v1.0 request being answered
        self.peak_graph_requests = 0
        self.page_delay = 0.0  # seconds each delta/list page takes

    # ---- building mailboxes
    def add_mailbox(self, upn: str) -> None:
        with self.lock:
            folders = self.mailboxes.setdefault(upn.lower(), {})
            for wk, name in WELL_KNOWN.items():
                fid = exchange_id()
                folders[fid] = Folder(id=fid, display_name=name, parent_id=None, well_known=wk)

    def folder(self, upn: str, ref: str) -> Folder | None:
        """A folder by id, well-known name (any case) or display path 'Inbox/Bounces' (any case)."""
        folders = self.mailboxes.get(upn.lower(), {})
        if ref in folders:
            return folders[ref]
        found = next((f for f in folders.values() if f.well_known == ref.lower()), None)
        if found is not None:
            return found
        parent: str | None = None
        current: Folder | None = None
        for name in ref.split("/"):
            current = next(
                (f for f in folders.values() if f.parent_id == parent and f.display_name.lower() == name.lower()), None
            )
            if current is None:
                return None
            parent = current.id
        return current

    def add_folder(self, upn: str, path: str) -> str:
        """Create 'A/B/C' (parents as needed); returns the id of the last folder."""
        with self.lock:
            folders = self.mailboxes[upn.lower()]
            parent: str | None = None
            for i, name in enumerate(path.split("/")):
                existing = self.folder(upn, "/".join(path.split("/")[: i + 1]))
                if existing is None:
                    existing = Folder(id=exchange_id(), display_name=name, parent_id=parent)
                    folders[existing.id] = existing
                parent = existing.id
            assert parent is not None
            return parent

    def add_message(
        self,
        upn: str,
        folder: str,
        mime: bytes,
        *,
        subject: str,
        sender: str,
        received: str | None = None,
        internet_message_id: str | None = None,
        has_attachments: bool = False,
        is_read: bool = False,
    ) -> str:
        with self.lock:
            target = self.folder(upn, folder)
            assert target is not None, f"no folder {folder!r} in {upn}"
            self.seq += 1
            mid = exchange_id()
            when = received or now_iso()
            address = {"emailAddress": {"name": sender.split("@")[0], "address": sender}}
            target.messages[mid] = {
                "id": mid,
                "receivedDateTime": when,
                "sentDateTime": when,
                "subject": subject,
                "hasAttachments": has_attachments,
                "isRead": is_read,
                "internetMessageId": internet_message_id or f"<{uuid.uuid4()}@example.net>",
                "from": address,
                "sender": address,
                "toRecipients": [{"emailAddress": {"name": upn, "address": upn}}],
                "bodyPreview": subject[:255],
                "parentFolderId": target.id,
                "_mime": mime,
                "_seq": self.seq,
            }
            return mid

    def delete_message(self, upn: str, folder_id: str, mid: str) -> None:
        with self.lock:
            del self.mailboxes[upn.lower()][folder_id].messages[mid]
            self.seq += 1
            self.tombstones.append((self.seq, upn.lower(), folder_id, mid))

    def find_message(self, upn: str, mid: str) -> tuple[Folder, Json] | None:
        for f in self.mailboxes.get(upn.lower(), {}).values():
            if mid in f.messages:
                return f, f.messages[mid]
        return None

    def fail(
        self, path_regex: str, status: int = 429, count: int = 1, retry_after: int | None = 1, body: Json | None = None
    ) -> None:
        """Answer the next `count` requests whose path matches with `status` (and Retry-After)."""
        hdrs = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
        self.faults.append(
            Fault(
                pattern=re.compile(path_regex),
                status=status,
                headers=hdrs,
                body=body or {"error": {"code": code, "message": "Simulated throttling"}},
                remaining=count,
            )
        )

    def statuses(self, pattern: str) -> list[int]:
        """Statuses answered to requests whose path (without query) matches `pattern`, in order."""
        rx = re.compile(pattern)
        with self.lock:
            return [code for _, target, code in self.answers if rx.search(urlsplit(target).path)]

    def requests_to(self, pattern: str, method: str | None = None) -> list[Request]:
        """Logged requests whose path (without query) matches `pattern`."""
        rx = re.compile(pattern)
        with self.lock:
            return [r for r in self.log if rx.search(urlsplit(r.target).path) and method in (None, r.method)]


# ---- $filter subset and projection

_FILTER_RE = re.compile(r"^\s*(receivedDateTime)\s+(ge|gt|le|lt|eq)\s+'?([0-9T:\-\.Z+]+)'?\s*$", re.I)
_OPS: dict[str, Callable[[dt.datetime, dt.datetime], bool]] = {
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}


def _when(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def parse_filter(expr: str | None) -> Callable[[Json], bool]:
    """Subset: 'receivedDateTime ge 2024-01-01T00:00:00Z [and ...]' and 'isRead eq false'."""
    preds: list[Callable[[Json], bool]] = []
    for part in re.split(r"\s+and\s+", expr or "", flags=re.I):
        if not part.strip():
            continue
        m = _FILTER_RE.match(part)
        if m:
            op, val = _OPS[m.group(2).lower()], _when(m.group(3))
            preds.append(lambda msg, op=op, val=val: op(_when(msg["receivedDateTime"]), val))  # type: ignore[misc]
            continue
        m = re.match(r"^\s*isRead\s+eq\s+(true|false)\s*$", part, re.I)
        if m:
            want = m.group(1).lower() == "true"
            preds.append(lambda msg, v=want: bool(msg["isRead"] == v))  # type: ignore[misc]
            continue
        raise ValueError(part)
    return lambda msg: all(p(msg) for p in preds)


def project(msg: Json, select: list[str] | None) -> Json:
    pub = {k: v for k, v in msg.items() if not k.startswith("_")}
    if select:
        pub = {k: v for k, v in pub.items() if k in select or k == "id"}
    return {"@odata.etag": f'W/"{msg["_seq"]}"', **pub}


def folder_json(f: Folder, folders: dict[str, Folder]) -> Json:
    return {
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": f.parent_id or "msgfolderroot",
        "childFolderCount": sum(1 for c in folders.values() if c.parent_id == f.id),
        "unreadItemCount": sum(1 for m in f.messages.values() if not m["isRead"]),
        "totalItemCount": len(f.messages),
        "isHidden": False,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~40 ms per response (Nagle + delayed ACK on keep-alive)
    st: State
    base = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ---- plumbing
    def send_json(self, code: int, obj: Json, headers: dict[str, str] | None = None) -> None:
        self.send_raw(code, json.dumps(obj).encode(), "application/json; charset=utf-8", headers)

    def send_raw(self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        with self.st.lock:
            self.st.answers.append((self.command, self.path, code))
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("request-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def graph_error(self, code: int, gcode: str, msg: str, headers: dict[str, str] | None = None) -> None:
        inner = {"date": now_iso(), "request-id": str(uuid.uuid4())}
        self.send_json(code, {"error": {"code": gcode, "message": msg, "innerError": inner}}, headers)

    def aad_error(self, code: int, err: str, desc: str) -> None:
        m = re.match(r"AADSTS(\d+)", desc)
        self.send_json(
            code,
            {
                "error": err,
                "error_description": f"{desc}\r\nTrace ID: {uuid.uuid4()}\r\nTimestamp: {now_iso()}",
                "error_codes": [int(m.group(1))] if m else [0],
                "timestamp": now_iso(),
                "trace_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4()),
            },
        )

    def dispatch(self, method: str) -> None:
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        st = self.st
        with st.lock:
            st.log.append(Request(method, self.path, dict(self.headers), time.monotonic()))
            for f in st.faults:
                if f.remaining > 0 and f.pattern.search(u.path):
                    f.remaining -= 1
                    self.send_json(f.status, f.body, f.headers)
                    return
        segs = [unquote(s) for s in u.path.strip("/").split("/")]
        try:
            if segs[0] == "v1.0":
                self.graph_counted(method, segs[1:], q, body)
            else:
                self.entra(method, segs, body)
        except ValueError as e:
            self.graph_error(400, "BadRequest", f"Invalid request: {e}")

    def graph_counted(self, method: str, segs: list[str], q: dict[str, str], body: bytes) -> None:
        st = self.st
        with st.lock:
            st.active_graph_requests += 1
            st.peak_graph_requests = max(st.peak_graph_requests, st.active_graph_requests)
        try:
            if st.page_delay and segs[-1] in ("delta", "messages", "mailFolders", "childFolders"):
                time.sleep(st.page_delay)
            self.graph(method, segs, q, body)
        finally:
            with st.lock:
                st.active_graph_requests -= 1

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    # ---- Entra ID (login.microsoftonline.com) subset
    def entra(self, method: str, segs: list[str], body: bytes) -> None:
        st, base = self.st, self.base
        tenant = segs[0]
        if tenant not in (st.tenant, "organizations", "common"):
            return self.aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        t = f"{base}/{tenant}"
        if method == "GET" and segs[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self.send_json(200, self.openid_configuration(t))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        cid = form.get("client_id", "")
        if method == "POST" and segs[1:] == ["oauth2", "v2.0", "devicecode"]:
            if cid not in st.apps:
                msg = f"AADSTS700016: Application with identifier '{cid}' was not found in the directory."
                return self.aad_error(400, "unauthorized_client", msg)
            dc = secrets.token_urlsafe(24)
            with st.lock:
                st.device_codes[dc] = 1  # one 'authorization_pending' poll, then success
                st.device_scopes[dc] = form.get("scope", "")
            message = (
                "To sign in, use a web browser to open the page https://microsoft.com/devicelogin "
                "and enter the code ABCD-EFGH to authenticate."
            )
            out = {"user_code": "ABCD-EFGH", "device_code": dc, "expires_in": 900, "interval": 1, "message": message}
            return self.send_json(200, {**out, "verification_uri": "https://microsoft.com/devicelogin"})
        if method == "POST" and segs[1:] == ["oauth2", "v2.0", "token"]:
            return self.token(t, form)
        return self.aad_error(404, "not_found", "unknown endpoint")

    def openid_configuration(self, t: str) -> Json:
        return {
            "token_endpoint": f"{t}/oauth2/v2.0/token",
            "authorization_endpoint": f"{t}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{t}/oauth2/v2.0/devicecode",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{t}/discovery/v2.0/keys",
            "issuer": f"{self.base}/{self.st.tenant}/v2.0",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["pairwise"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        }

    def token(self, t: str, form: dict[str, str]) -> None:
        st = self.st
        gt, cid = form.get("grant_type"), form.get("client_id", "")
        app = st.apps.get(cid)
        if app is None:
            msg = f"AADSTS700016: Application with identifier '{cid}' was not found in the directory."
            return self.aad_error(400, "unauthorized_client", msg)
        if gt == "client_credentials":
            if "client_assertion" in form:
                try:
                    assert app.cert is not None, "no certificate registered"
                    jwt.decode(
                        form["client_assertion"],
                        app.cert.public_key(),  # type: ignore[arg-type]
                        algorithms=["PS256", "RS256"],
                        audience=f"{t}/oauth2/v2.0/token",
                        issuer=cid,
                    )
                except (AssertionError, jwt.PyJWTError) as e:
                    msg = f"AADSTS700027: Client assertion failed validation: {e}"
                    return self.aad_error(401, "invalid_client", msg)
            elif app.secret is None or form.get("client_secret") != app.secret:
                return self.aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
            if not form.get("scope", "").endswith("/.default"):
                msg = (
                    "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have "
                    "a scope value with /.default suffixed to the resource identifier (application ID URI)."
                )
                return self.aad_error(400, "invalid_scope", msg)
            return self.send_json(200, self.issue(cid, roles=["Mail.Read"]))
        if gt == "urn:ietf:params:oauth:grant-type:device_code":
            with st.lock:
                left = st.device_codes.get(form.get("device_code", ""))
                if left is None:
                    msg = "AADSTS70020: The provided value for the input parameter 'device_code' is not valid."
                    return self.aad_error(400, "expired_token", msg)
                if left > 0:
                    st.device_codes[form["device_code"]] = left - 1
                    msg = "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."
                    return self.aad_error(400, "authorization_pending", msg)
            scope = st.device_scopes.get(form["device_code"], "")
            return self.send_json(200, self.issue(cid, user=st.device_user, scope=scope))
        if gt == "refresh_token":
            user = st.refresh_users.get(form.get("refresh_token", ""), "operator@example.com")
            st.refreshed.append(user)
            return self.send_json(200, self.issue(cid, user=user, scope=form.get("scope", "")))
        return self.aad_error(400, "unsupported_grant_type", f"AADSTS70003: unsupported grant_type {gt}")

    def issue(self, cid: str, roles: list[str] | None = None, user: str | None = None, scope: str = "") -> Json:
        st = self.st
        now = int(time.time())
        claims = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{st.tenant}/",
            "iat": now,
            "nbf": now,
            "exp": now + st.token_lifetime,
            "appid": cid,
            "tid": st.tenant,
            "roles": roles or [],
        }
        access = st.access_token or (
            tok({"typ": "JWT", "alg": "none"}) + "." + tok(claims) + "." + b64u(secrets.token_bytes(16))
        )
        with st.lock:
            st.tokens[access] = (cid, now + st.token_lifetime)
        out: Json = {
            "token_type": "Bearer",
            "expires_in": st.token_lifetime,
            "ext_expires_in": st.token_lifetime,
            "access_token": access,
        }
        if user:  # delegated flow: id_token + client_info so msal can build an account
            oid = str(uuid.uuid5(uuid.NAMESPACE_DNS, user))
            id_claims = {
                "aud": cid,
                "iss": f"{self.base}/{st.tenant}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "oid": oid,
                "tid": st.tenant,
                "preferred_username": user,
                "name": "Operator",
                "sub": oid,
            }
            refresh = secrets.token_urlsafe(32)
            with st.lock:
                st.refresh_users[refresh] = user
            out.update(
                scope=scope,
                refresh_token=refresh,
                client_info=tok({"uid": oid, "utid": st.tenant}),
                id_token=tok({"typ": "JWT", "alg": "none"}) + "." + tok(id_claims) + ".",
            )
        return out

    # ---- Microsoft Graph subset
    def graph(self, method: str, segs: list[str], q: dict[str, str], body: bytes) -> None:
        st = self.st
        auth = self.headers.get("Authorization", "")
        entry = st.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if not entry or entry[1] < time.time():
            msg = "Access token is empty." if not auth else "Lifetime validation failed, the token is expired."
            hdr = {"WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common"'}
            return self.graph_error(401, "InvalidAuthenticationToken", msg, hdr)
        if len(segs) < 3 or segs[0] != "users":
            return self.graph_error(400, "BadRequest", "Resource not found for the segment.")
        upn = segs[1].lower()
        if upn not in st.mailboxes:
            return self.graph_error(404, "ErrorInvalidUser", f"The requested user '{segs[1]}' is invalid.")
        if upn in st.denied:
            return self.graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        url = f"{self.base}/v1.0/users/{quote(segs[1])}"
        rest = segs[2:]
        if rest[0] == "mailFolders":
            return self.mail_folders(method, upn, rest[1:], q, body, url)
        if rest[0] == "messages" and len(rest) >= 2:
            return self.message(method, upn, rest[1], rest[2:], q, body)
        return self.graph_error(400, "BadRequest", f"Unsupported segment {'/'.join(segs)}")

    def mail_folders(self, method: str, upn: str, rest: list[str], q: dict[str, str], body: bytes, url: str) -> None:
        folders = self.st.mailboxes[upn]
        if not rest:
            top = [f for f in folders.values() if f.parent_id is None]
            return self.folder_page(top, folders, q, f"{url}/mailFolders")
        f = folders.get(rest[0]) or next((x for x in folders.values() if x.well_known == rest[0].lower()), None)
        if f is None:
            return self.graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        furl = f"{url}/mailFolders/{quote(rest[0], safe='')}"
        if len(rest) == 1 and method == "GET":
            return self.send_json(200, folder_json(f, folders))
        if rest[1:] == ["childFolders"] and method == "GET":
            children = [c for c in folders.values() if c.parent_id == f.id]
            return self.folder_page(children, folders, q, f"{furl}/childFolders")
        if rest[1:] == ["messages"] and method == "GET":
            return self.list_messages(f, q, f"{furl}/messages")
        if rest[1:] == ["messages", "delta"] and method == "GET":
            return self.delta(upn, f, q, f"{furl}/messages/delta")
        if len(rest) >= 3 and rest[1] == "messages":
            return self.message(method, upn, rest[2], rest[3:], q, body)
        return self.graph_error(400, "BadRequest", f"Unsupported segment {'/'.join(rest)}")

    def folder_page(self, items: list[Folder], folders: dict[str, Folder], q: dict[str, str], url: str) -> None:
        top, skip = min(int(q.get("$top", 10)), 1000), int(q.get("$skip", 0))
        out: Json = {"value": [folder_json(f, folders) for f in items[skip : skip + top]]}
        if skip + top < len(items):
            out["@odata.nextLink"] = url + "?" + urlencode({**q, "$top": top, "$skip": skip + top})
        return self.send_json(200, out)

    def message(self, method: str, upn: str, mid: str, rest: list[str], q: dict[str, str], body: bytes) -> None:
        st = self.st
        found = st.find_message(upn, mid)
        if found is None:
            return self.graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        folder, msg = found
        if rest == ["$value"] and method == "GET":
            return self.value(msg)
        if not rest and method == "GET":
            sel = q.get("$select")
            return self.send_json(200, project(msg, sel.split(",") if sel else None))
        if not rest and method == "PATCH":  # e.g. {"isRead": true}
            with st.lock:
                st.seq += 1
                msg.update(json.loads(body or b"{}"), _seq=st.seq)
            return self.send_json(200, project(msg, None))
        if rest == ["move"] and method == "POST":  # {"destinationId": "<folder id or well-known name>"}
            dest = st.folder(upn, json.loads(body)["destinationId"])
            if dest is None:
                return self.graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            with st.lock:
                st.delete_message(upn, folder.id, mid)
                st.seq += 1
                new = {**msg, "_seq": st.seq, "parentFolderId": dest.id, "id": exchange_id()}  # a move gives a new id
                dest.messages[new["id"]] = new
            return self.send_json(201, project(new, None))
        return self.graph_error(400, "BadRequest", f"Unsupported segment {'/'.join(rest)}")

    def value(self, msg: Json) -> None:
        st = self.st
        with st.lock:
            st.active_value_requests += 1
            st.peak_value_requests = max(st.peak_value_requests, st.active_value_requests)
        try:
            if st.value_delay:
                time.sleep(st.value_delay)
            self.send_raw(200, msg["_mime"], "text/plain")
        finally:
            with st.lock:
                st.active_value_requests -= 1

    def list_messages(self, f: Folder, q: dict[str, str], url: str) -> None:
        top, skip = min(int(q.get("$top", 10)), 1000), int(q.get("$skip", 0))
        sel = q["$select"].split(",") if q.get("$select") else None
        pred = parse_filter(q.get("$filter"))
        order = q.get("$orderby", "receivedDateTime desc")
        with self.st.lock:
            msgs = [m for m in f.messages.values() if pred(m)]
        msgs.sort(key=lambda m: str(m["receivedDateTime"]), reverse=not order.lower().endswith(" asc"))
        out: Json = {"value": [project(m, sel) for m in msgs[skip : skip + top]]}
        if skip + top < len(msgs):
            out["@odata.nextLink"] = url + "?" + urlencode({**q, "$top": top, "$skip": skip + top})
        return self.send_json(200, out)

    def delta(self, upn: str, f: Folder, q: dict[str, str], url: str) -> None:
        st = self.st
        pagesize = 10
        m = re.search(r"odata\.maxpagesize=(\d+)", self.headers.get("Prefer", ""))
        if m:
            pagesize = int(m.group(1))
        if "$deltatoken" in q:
            t = untok(q["$deltatoken"])
            if t.get("gen") != st.delta_generation:
                msg = "The sync state is no longer valid; restart with a full sync."
                return self.graph_error(410, "SyncStateNotFound", msg)
            state = {"since": t["since"], "upto": st.seq, "after": t["since"], "sel": t["sel"], "flt": t["flt"]}
        elif "$skiptoken" in q:
            state = untok(q["$skiptoken"])
            if state.get("gen", st.delta_generation) != st.delta_generation:
                return self.graph_error(410, "SyncStateNotFound", "The sync state is no longer valid.")
        else:
            state = {"since": 0, "upto": st.seq, "after": 0, "sel": q.get("$select"), "flt": q.get("$filter")}
        state["gen"] = st.delta_generation
        pred = parse_filter(state["flt"])
        sel = state["sel"].split(",") if state["sel"] else None
        # A round pages through the changes with after < seq <= upto, in seq order, and remembers the
        # last seq it returned: a message changed meanwhile (new seq > upto) waits for the next round,
        # and nothing not yet returned is skipped, as with the real service's sync state.
        with st.lock:
            rows: list[tuple[int, Json]] = [
                (int(x["_seq"]), {"@odata.type": "#microsoft.graph.message", **project(x, sel)})
                for x in f.messages.values()
                if state["after"] < x["_seq"] <= state["upto"] and pred(x)
            ]
            if state["since"]:
                rows += [
                    (seq, {"@odata.type": "#microsoft.graph.message", "id": mid, "@removed": {"reason": "deleted"}})
                    for seq, u, fid, mid in st.tombstones
                    if u == upn and fid == f.id and state["after"] < seq <= state["upto"]
                ]
        rows.sort(key=lambda r: r[0])
        page = rows[:pagesize]
        out: Json = {"@odata.context": f"{self.base}/v1.0/$metadata#Collection(message)", "value": [r for _, r in page]}
        if len(rows) > pagesize:
            nxt = {**state, "after": page[-1][0]}
            out["@odata.nextLink"] = url + "?" + urlencode({"$skiptoken": tok(nxt)})
        else:
            nxt = {"since": state["upto"], "sel": state["sel"], "flt": state["flt"], "gen": st.delta_generation}
            out["@odata.deltaLink"] = url + "?" + urlencode({"$deltatoken": tok(nxt)})
        hdrs = {"Preference-Applied": f"odata.maxpagesize={pagesize}"} if m else None
        return self.send_json(200, out, hdrs)


def start(state: State, certfile: str | None = None, host: str = "127.0.0.1") -> tuple[ThreadingHTTPServer, str]:
    """Serve in a daemon thread; returns (server, base_url). certfile: PEM with key and chain; None: plain HTTP."""
    handler: type[Handler] = type("H", (Handler,), {})
    srv = ThreadingHTTPServer((host, 0), handler)
    srv.daemon_threads = True
    scheme = "http"
    if certfile:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        scheme = "https"
    base = f"{scheme}://{host}:{srv.server_address[1]}"
    handler.st = state
    handler.base = base
    state.base = base
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, base
