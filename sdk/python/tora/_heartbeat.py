"""The idle heartbeat: while a run is open and nothing has reached the server for the interval,
`POST /experiments/{id}/heartbeat` says the run is still alive, so a long quiet phase (evaluation,
a slow epoch) does not make it show as `crashed`. Any successful request counts as a sign of life,
so a busy run sends none. Mirrors sdk/ts/src/heartbeat.ts."""

from __future__ import annotations

import http.client
import os
import threading
import time
from typing import Callable, Optional

from . import _config, _http
from ._errors import ToraConfigurationError

DEFAULT_INTERVAL = 30.0
# The server notes a sign of life at most every 15 s; beating faster than this buys nothing.
MIN_INTERVAL = 5.0
REQUEST_TIMEOUT = 10.0


def enabled(explicit: Optional[bool] = None) -> bool:
    """The explicit argument, else TORA_HEARTBEAT (`0`, `false`, `no`, `off`: no)."""
    if explicit is not None:
        return bool(explicit)
    return os.environ.get("TORA_HEARTBEAT", "1").strip().lower() not in ("0", "false", "no", "off")


def interval(explicit: Optional[float] = None) -> float:
    """The explicit argument, else TORA_HEARTBEAT_INTERVAL, else 30 s; at least 5 s."""
    value = _config.seconds("TORA_HEARTBEAT_INTERVAL", DEFAULT_INTERVAL) if explicit is None else float(explicit)
    if not value > 0:
        raise ToraConfigurationError("the heartbeat interval must be at least %g seconds, got %r" % (MIN_INTERVAL, value))
    return max(MIN_INTERVAL, value)


class Heartbeat:
    """A daemon thread (it never keeps the interpreter alive) that beats when the run is idle.
    `last_success` tells it when some other request last got through."""

    def __init__(
        self,
        experiment_id: str,
        base_url: str,
        api_key: str,
        every: float,
        last_success: Callable[[], float],
    ):
        self._path = "/experiments/%s/heartbeat" % experiment_id
        self._base_url = base_url
        self._api_key = api_key
        self._every = every
        self._last_success = last_success
        self._last_attempt = time.monotonic()
        self._stop = threading.Event()
        self.beats = 0  # heartbeats the server acknowledged (for tests and diagnostics)
        self.attempts = 0
        self._thread = threading.Thread(target=self._run, name="tora-heartbeat-%s" % experiment_id[:8], daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _idle_for(self) -> float:
        return time.monotonic() - max(self._last_success(), self._last_attempt)

    def _run(self) -> None:
        while not self._stop.wait(max(0.0, self._every - self._idle_for())):
            if self._idle_for() < self._every:
                continue
            # A failure counts as an attempt too: the next one is an interval later, not at once.
            self._last_attempt = time.monotonic()
            self.attempts += 1
            try:
                resp = _http.request(self._base_url, "POST", self._path, self._api_key, timeout=REQUEST_TIMEOUT)
                if 200 <= resp.status < 300:
                    self.beats += 1
            except (OSError, http.client.HTTPException):
                pass  # unreachable: the next tick tries again; training never hears about it
