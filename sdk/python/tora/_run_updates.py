"""Changes to a run's own fields after it was created (the config as hyperparameters, notes,
tags, name), sent as `PATCH /experiments/{id}` by a daemon thread so that `config.update()` or
`run.notes = ...` never waits for the network.

Changes are coalesced: a PATCH carries the newest value of every field changed since the last
one, and each field is sent whole (the server replaces the stored list), so order never matters
and a burst of config updates costs one request. A failed request is retried like a log batch
(network errors, 429, 5xx; for the retry timeout); what is still unsent is tried again with the
next change and once more at close, then reported on stderr. Unlike log entries these are not
spooled: the spool format is shared with the TypeScript SDK's `sync`, which knows no such line."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, Dict, Optional

from . import _http
from ._errors import error_message

logger = logging.getLogger("tora")

REQUEST_TIMEOUT = 10.0


class RunUpdates:
    def __init__(self, experiment_id: str, base_url: str, api_key: str, retry_timeout: float):
        self._path = "/experiments/%s" % experiment_id
        self._experiment_id = experiment_id
        self._base_url = base_url
        self._api_key = api_key
        self._retry_timeout = retry_timeout
        self._pending: Dict[str, Any] = {}
        self._stalled = False
        self._closed = False
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self.sent = 0  # PATCH requests the server accepted (for tests and diagnostics)

    def set(self, field: str, value: Any) -> None:
        """Queue the newest value of a field; returns at once."""
        with self._cond:
            if self._closed:
                return
            self._pending[field] = value
            self._stalled = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tora-updates-%s" % self._experiment_id[:8], daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                # After a failure, wait for a newer change (or close) rather than retry at once.
                while (not self._pending or self._stalled) and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return  # close() sends what is left, within its own time limit
                body, self._pending = self._pending, {}
            unsent = self._send(body, self._retry_timeout)
            with self._cond:
                if unsent:
                    self._pending = dict(unsent, **self._pending)  # newer values queued meanwhile win
                    self._stalled = True

    def _send(self, body: Dict[str, Any], budget: float) -> Optional[Dict[str, Any]]:
        """None when done (sent, or refused for good and warned about); the body when the server
        could not be reached."""
        resp, error = _http.with_retries(
            lambda: _http.request(self._base_url, "PATCH", self._path, self._api_key, body, timeout=REQUEST_TIMEOUT),
            budget,
        )
        if resp is not None and 200 <= resp.status < 300:
            self.sent += 1
            return None
        if resp is not None and not _http.is_retryable(resp.status):
            logger.warning(
                "tora: the server refused to update %s of experiment %s: HTTP %d: %s",
                ", ".join(sorted(body)),
                self._experiment_id,
                resp.status,
                error_message(resp.json(), resp.text[:200]),
            )
            return None
        return body

    def close(self, timeout: float) -> bool:
        """Send what is queued, waiting at most `timeout` seconds. True when everything was
        saved; otherwise stderr says what may not have been."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            in_flight = thread is not None and thread.is_alive()
            left, self._pending = self._pending, {}
        unsent = self._send(left, max(0.0, deadline - time.monotonic())) if left else None
        if not unsent and not in_flight:
            return True
        sys.stderr.write(
            "tora: could not confirm that %s of experiment %s reached %s in time; they may not be saved.\n"
            % ("the config/notes/tags changes" if in_flight else ", ".join(sorted(unsent or {})), self._experiment_id, self._base_url)
        )
        return False
