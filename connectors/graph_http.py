"""Calls to Microsoft Graph for one source: bearer token, capped retries, errors explained.

One requests session per thread (the $value downloads run in a small pool). Retries of
429/503/504 and connection errors happen inside urllib3 (`connectors.mshttp`); what reaches this
module is a final answer, turned into the operator's error hierarchy:
401/403 -> AuthError, unknown mailbox -> ConfigError, 410 -> SyncStateGone, other 404 ->
GraphNotFound, throttling beyond the cap or the retries -> SourceError saying so.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.graph_config import GraphConfig
from connectors.msauth import Log, TokenSource
from connectors.mserrors import explain_graph
from connectors.mshttp import RETRY_STATUSES, make_session, retry_after_seconds
from ndr.errors import AuthError, ConfigError, SourceError

# Graph error codes meaning the configured mailbox cannot be used (404 on /users/{upn}).
# Source: https://learn.microsoft.com/en-us/graph/errors and observed Exchange Online answers.
_MAILBOX_CODES = frozenset({"ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "ResourceNotFound"})
# Codes meaning "this delta/skip token is no longer valid: start over". Graph documents 410 Gone for
# expired sync state (https://learn.microsoft.com/en-us/graph/delta-query-overview); the 400 codes
# are the ones Exchange and OneDrive use for invalid sync state. Not verified against the live service.
_SYNC_STATE_CODES = frozenset({"SyncStateNotFound", "SyncStateInvalid", "ErrorInvalidSyncStateData", "resyncRequired"})


class GraphNotFound(SourceError):
    """404 for an item (message or folder) that does not exist (any more)."""


class SyncStateGone(SourceError):
    """410: the deltaLink or nextLink expired; the round must restart with a full sync."""


class GraphHttp:
    """Authenticated JSON/bytes calls against one Graph endpoint."""

    def __init__(self, config: GraphConfig, tokens: TokenSource, *, log: Log) -> None:
        self._c, self._tokens, self._log = config, tokens, log
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        # Graph allows 4 concurrent requests per app and mailbox: every call (delta pages, $value,
        # after-actions) takes a permit, including the time it spends waiting for Retry-After.
        self._permits = threading.BoundedSemaphore(config.max_concurrent_requests)
        self.base = f"{config.graph_endpoint}/v1.0"

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = make_session(max_retries=self._c.max_retries, max_retry_after=self._c.max_retry_after)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> requests.Response:
        """One call; raises the matching NdrError for any answer >= 400."""
        auth = {"Authorization": f"Bearer {self._tokens.token()}"}
        try:
            with self._permits:
                resp = self._session().request(method, url, params=params, json=body,
                                               headers={**auth, **(headers or {})}, timeout=self._c.timeout)
        except requests.RequestException as exc:
            raise SourceError(f"{self._c.where}: cannot reach {self._c.graph_endpoint} ({method} {_path(url)}): "
                              f"{type(exc).__name__}") from None
        if resp.status_code >= 400:
            self._raise(resp, method, url)
        return resp

    def get_json(self, url: str, *, params: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
        resp = self.request("GET", url, params=params, headers=headers)
        try:
            data = resp.json()
        except ValueError:
            raise SourceError(f"{self._c.where}: Graph sent no JSON for GET {_path(url)}") from None
        if not isinstance(data, dict):
            raise SourceError(f"{self._c.where}: Graph sent unexpected JSON for GET {_path(url)}")
        return data

    def _raise(self, resp: requests.Response, method: str, url: str) -> None:
        c, status = self._c, resp.status_code
        code, message = _error_of(resp)
        where = f"{method} {_path(url)}"
        self._log.debug("%s: %s answered %s %s: %s", c.where, where, status, code, message)
        if status in RETRY_STATUSES:
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            if wait is not None and wait > c.max_retry_after:
                raise SourceError(f"{c.where}: Graph throttled {where} and asked to wait {wait:.0f} s (Retry-After), "
                                  f"more than max_retry_after = {c.max_retry_after:.0f} s; run again later or raise "
                                  f"{c.where}.max_retry_after")
            tries = f"{c.max_retries} {'retry' if c.max_retries == 1 else 'retries'}"
            raise SourceError(f"{c.where}: Graph still answered {status} {code} to {where} after {tries}; "
                              "run again later")
        fields = {"where": c.where, "mailbox": c.mailbox, "permission": c.permission}
        if status in (401, 403):
            raise AuthError(f"{c.where}: {explain_graph(code, status, message, **fields)} ({where})")
        if status == 404 and code in _MAILBOX_CODES:
            raise ConfigError(f"{c.where}.mailbox: {explain_graph(code, status, message, **fields)}")
        if status == 404:
            raise GraphNotFound(f"{c.where}: {where}: {code}: {message}")
        if status == 410 or (status == 400 and code in _SYNC_STATE_CODES):
            raise SyncStateGone(f"{c.where}: {where}: {status} {code}")
        raise SourceError(f"{c.where}: {explain_graph(code, status, message, **fields)} ({where})")


def _error_of(resp: requests.Response) -> tuple[str, str]:
    """(code, message) of a Graph error body {"error": {"code", "message"}}; the status when there is none."""
    try:
        err = resp.json().get("error")
    except (ValueError, AttributeError):
        err = None
    if isinstance(err, dict):
        return str(err.get("code") or resp.status_code), str(err.get("message") or "")
    return str(resp.status_code), resp.text[:200].strip()


def _path(url: str) -> str:
    """The URL's path only: query strings (delta and skip tokens) stay out of messages."""
    return urlsplit(url).path
