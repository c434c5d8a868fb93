"""A minimal JSON-over-HTTP call on http.client (standard library only, no proxies or redirects),
a persistent keep-alive connection for the loops that post batch after batch, and the retry
policy shared by setup, the sender thread and `python -m tora sync`."""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, Optional, Tuple

from . import __version__

REQUEST_TIMEOUT = 30.0
USER_AGENT = "tora-python/%s" % __version__


class Response:
    __slots__ = ("status", "headers", "raw")

    def __init__(self, status: int, headers: Dict[str, str], raw: bytes):
        self.status = status
        self.headers = headers
        self.raw = raw

    def json(self) -> Any:
        try:
            return json.loads(self.raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")


# A server (or a proxy in between) may close a keep-alive connection while it sits idle; the
# next request on it then fails with one of these before any response arrives.
_STALE_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.RemoteDisconnected)


def keepalive_enabled() -> bool:
    """TORA_HTTP_KEEPALIVE=0 opens a new connection per request, as the SDK did before; a
    diagnostic switch (and the baseline of bench/p10), not a tuning knob."""
    return os.environ.get("TORA_HTTP_KEEPALIVE", "1").strip().lower() not in ("0", "false", "no", "off")


class Connection:
    """One HTTP(S) connection to a server, kept open across requests. Not thread-safe by itself
    (http.client connections are not), so a lock serialises requests; the sender gives each
    thread its own anyway."""

    def __init__(self, base_url: str, keepalive: Optional[bool] = None):
        self.base_url = base_url
        self._parts = urllib.parse.urlsplit(base_url)
        self._prefix = self._parts.path.rstrip("/")
        self._keepalive = keepalive_enabled() if keepalive is None else keepalive
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()
        self.opened = 0  # connections opened so far (for tests and the benchmark)

    def _connection(self, timeout: float) -> Tuple[http.client.HTTPConnection, bool]:
        """The connection to use and whether it already carried a request (so may be stale)."""
        conn = self._conn
        if conn is not None and conn.sock is not None:
            conn.timeout = timeout
            conn.sock.settimeout(timeout)
            return conn, True
        if conn is None:
            parts = self._parts
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout)
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            self._conn = conn
        else:
            # http.client closed the socket itself (the server said `Connection: close`); the
            # object reconnects on its next request.
            conn.timeout = timeout
        self.opened += 1
        return conn, False

    def request(
        self, method: str, path: str, api_key: Optional[str], body: Any = None, timeout: float = REQUEST_TIMEOUT
    ) -> Response:
        """Like `request`, on the kept connection. A reused connection that turns out to have been
        closed by the server is retried once on a fresh one, which is not a failure: requests that
        change data are idempotent (batches by msg_id), so even a resend after a lost response
        stores nothing twice."""
        headers = _headers(api_key, body)
        payload = _payload(body)
        with self._lock:
            conn, reused = self._connection(timeout)
            try:
                return self._exchange(conn, method, path, payload, headers)
            except _STALE_ERRORS:
                self._close()
                if not reused:
                    raise
            except BaseException:
                # Timeouts, half-read responses, anything: the connection's state is unknown.
                self._close()
                raise
            conn, _ = self._connection(timeout)
            try:
                return self._exchange(conn, method, path, payload, headers)
            except BaseException:
                self._close()
                raise

    def _exchange(
        self, conn: http.client.HTTPConnection, method: str, path: str, payload: Optional[bytes], headers: Dict[str, str]
    ) -> Response:
        conn.request(method, self._prefix + path, body=payload, headers=headers)
        resp = conn.getresponse()
        # Read to the end: the next request on this connection cannot start before.
        raw = resp.read()
        out = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw)
        if not self._keepalive:
            self._close()
        return out

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._close()


def _headers(api_key: Optional[str], body: Any) -> Dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if api_key:
        headers["x-api-key"] = api_key
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def _payload(body: Any) -> Optional[bytes]:
    if body is None:
        return None
    return body if isinstance(body, bytes) else json.dumps(body, allow_nan=False).encode("utf-8")


def request(
    base_url: str,
    method: str,
    path: str,
    api_key: Optional[str],
    body: Any = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Response:
    """One request on a fresh connection, closed afterwards (for one-off calls). Raises OSError /
    http.client.HTTPException when no response arrives; any status code is returned."""
    conn = Connection(base_url, keepalive=False)
    try:
        return conn.request(method, path, api_key, body, timeout)
    finally:
        conn.close()


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after(resp: Optional[Response]) -> Optional[float]:
    if resp is None:
        return None
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def describe(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.timeout):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return "host not found (%s)" % error
    return "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__


def with_retries(
    call: Callable[[], Response],
    budget: float,
    sleep: Callable[[float], bool] = lambda s: (time.sleep(s), False)[1],
    base: float = 0.25,
    cap: float = 8.0,
) -> Tuple[Optional[Response], Optional[BaseException]]:
    """Run `call` until it returns a non-retryable status, retrying network errors, 429 and 5xx with
    exponential backoff and full jitter (at least Retry-After when the server sends one) for at most
    `budget` seconds. `sleep` returns True to abandon early. Returns the last response (None when
    none ever arrived) and the last network error."""
    deadline = time.monotonic() + budget
    attempt = 0
    while True:
        resp: Optional[Response] = None
        error: Optional[BaseException] = None
        try:
            resp = call()
            if not is_retryable(resp.status):
                return resp, None
        except (OSError, http.client.HTTPException) as exc:
            error = exc
        delay = random.uniform(0, min(cap, base * (2**attempt)))
        hinted = retry_after(resp)
        if hinted is not None:
            delay = max(delay, min(hinted, 60.0))
        attempt += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return resp, error
        if sleep(min(delay, remaining)):
            return resp, error
