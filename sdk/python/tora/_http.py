"""A minimal JSON-over-HTTP call on http.client (standard library only, no proxies or redirects),
and the retry policy shared by setup, the sender thread and `python -m tora sync`."""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
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


def request(
    base_url: str,
    method: str,
    path: str,
    api_key: Optional[str],
    body: Any = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Response:
    """One request on a fresh connection. Raises OSError / http.client.HTTPException when no
    response arrives; any status code is returned."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if api_key:
        headers["x-api-key"] = api_key
    payload = None
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body, allow_nan=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, parts.path.rstrip("/") + path, body=payload, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw)
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
