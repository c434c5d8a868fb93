"""The background sender: a bounded in-memory queue drained by one daemon thread.

The training thread only validates and appends a tuple (a deque append never blocks); this thread
encodes entries, posts batches (at 1,000 waiting entries or every second), retries, and spills
what it cannot deliver to the spool."""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Deque, List, Optional, Set, Tuple

from . import _http, _spool
from ._errors import error_message

logger = logging.getLogger("tora")

Entry = Tuple[str, str, object, Optional[int], str]  # name, msg_id, value, step, metadata JSON

MAX_QUEUE = 1_000_000
BATCH_THRESHOLD = 1_000
INTERVAL = 1.0
MAX_BATCH_ENTRIES = 10_000  # the server's limit
# A target size, not the server's limit (2 MiB): batches are cut below it to leave room for JSON framing.
TARGET_BATCH_BYTES = 1_500_000
OVERFLOW_CHUNK = 1_000


def encode(entry: Entry) -> str:
    name, msg_id, value, step, metadata = entry
    # Names match [A-Za-z0-9_\-./]+ and ids are hex, so neither needs JSON escaping; values are
    # finite, and float.__repr__ is exactly what json.dumps writes for them.
    return '{"name":"%s","msg_id":"%s","value":%s,"step":%s,"metadata":%s}' % (
        name,
        msg_id,
        float.__repr__(value) if type(value) is float else int(value),  # type: ignore[arg-type]
        "null" if step is None else step,
        metadata,
    )


class Sender:
    def __init__(
        self,
        experiment_id: str,
        base_url: str,
        api_key: Optional[str],
        retry_timeout: float,
        spool_dir: str,
        max_queue: int = MAX_QUEUE,
    ):
        self.experiment_id = experiment_id
        self.base_url = base_url
        self.api_key = api_key
        self.retry_timeout = retry_timeout
        self.spool_dir = spool_dir
        self.max_queue = max_queue
        self.queue: Deque[Entry] = collections.deque()
        self.sent = 0
        self.duplicates = 0
        self.dropped = 0
        self.spilled = 0
        self.spool_file: Optional[str] = None
        # When a batch last got through (time.monotonic()): a sign of life the heartbeat counts.
        self.last_success = time.monotonic()
        self._path = "/experiments/%s/logs/batch" % experiment_id
        self._wake = threading.Event()
        self._abort = threading.Event()  # the exit deadline passed: stop retrying, spill
        self._stopping = False
        self._cond = threading.Condition()
        self._busy = False
        self._inflight: Optional[List[str]] = None
        self._overflow: List[Entry] = []
        self._overflow_lock = threading.Lock()
        self._warned: Set[str] = set()
        # Only the sender thread posts, so this one keep-alive connection is never shared.
        self._conn = _http.Connection(base_url)
        self._thread = threading.Thread(target=self._run, name="tora-sender-%s" % experiment_id[:8], daemon=True)
        self._thread.start()

    # -- called from the training thread -------------------------------------------------------

    def put(self, entry: Entry) -> None:
        queue = self.queue
        if len(queue) < self.max_queue:
            queue.append(entry)
            if len(queue) >= BATCH_THRESHOLD and not self._wake.is_set():
                self._wake.set()
            return
        # Full: the server has been slow or away for a long while. Never block the caller;
        # write the overflow to the spool a chunk at a time.
        with self._overflow_lock:
            self._overflow.append(entry)
            if len(self._overflow) < OVERFLOW_CHUNK:
                return
            chunk, self._overflow = self._overflow, []
        self._warn_once("overflow", "tora: the in-memory queue is full (%d entries); new entries go to the spool" % self.max_queue)
        self._spill([encode(e) for e in chunk], "the in-memory queue is full", quiet=True)

    def flush(self, timeout: Optional[float]) -> bool:
        """Wait until everything queued so far was delivered or spilled. True if it was."""
        self._wake.set()
        with self._cond:
            return self._cond.wait_for(lambda: not self.queue and not self._busy, timeout)

    def close(self, timeout: float) -> bool:
        """Deliver what is queued within `timeout` s; spill the rest. True if all was delivered
        or spilled by the sender itself."""
        self._stopping = True
        self._spill_overflow()
        drained = self.flush(timeout)
        self._abort.set()
        self._wake.set()
        self._thread.join(5.0 if not drained else 1.0)
        if self._thread.is_alive():
            # Stuck inside a request: save its batch and the queue from here. Entries that the
            # thread later delivers anyway are skipped by msg_id on upload.
            inflight = self._inflight
            if inflight:
                self._spill(list(inflight), "the exit deadline passed", quiet=True)
            self._spill_queue("the exit deadline passed")
        return drained

    # -- the sender thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            # The thread owns the connection: it closes it when it stops (at close()), so a
            # request cannot be cut from another thread.
            self._conn.close()

    def _loop(self) -> None:
        while True:
            self._wake.wait(INTERVAL)
            self._wake.clear()
            try:
                self._drain()
            except Exception:  # never let the thread die: spill and go on
                logger.exception("tora: unexpected error in the sender thread")
                self._spill_queue("of an unexpected error")
            if self._abort.is_set() or (self._stopping and not self.queue):
                with self._cond:
                    self._cond.notify_all()
                if self._abort.is_set():
                    return

    def _drain(self) -> None:
        while self.queue:
            if self._abort.is_set():
                self._spill_queue("the exit deadline passed")
                return
            with self._cond:
                self._busy = True
            try:
                batch = self._take()
                self._inflight = batch
                if batch:
                    self._deliver(batch)
            finally:
                self._inflight = None
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _take(self) -> List[str]:
        queue = self.queue
        out: List[str] = []
        size = 12  # {"logs":[]}
        while len(out) < MAX_BATCH_ENTRIES:
            try:
                entry = queue.popleft()
            except IndexError:
                break
            text = encode(entry)
            if out and size + len(text) + 1 > TARGET_BATCH_BYTES:
                queue.appendleft(entry)
                break
            out.append(text)
            size += len(text) + 1
        return out

    def _post(self, batch: List[str]) -> _http.Response:
        body = ('{"logs":[' + ",".join(batch) + "]}").encode("ascii")
        return self._conn.request("POST", self._path, self.api_key, body)

    def _deliver(self, batch: List[str], depth: int = 0) -> None:
        resp, error = _http.with_retries(lambda: self._post(batch), self.retry_timeout, sleep=self._abort.wait)
        if resp is not None and 200 <= resp.status < 300:
            self.last_success = time.monotonic()
            self.sent += len(batch)
            data = resp.json()
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                self.duplicates += int(data["data"].get("duplicates") or 0)
            return
        if resp is None or _http.is_retryable(resp.status):
            if self._abort.is_set():
                self._spill(batch, "the exit deadline passed", quiet=True)
                return
            reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
            self._spill(batch, "%s could not be reached for %.0f s (%s)" % (self.base_url, self.retry_timeout, reason))
            # Whatever queued up meanwhile waited as long: save it too, and start afresh.
            self._spill_queue("the server is unreachable", quiet=True)
            return
        body = resp.json()
        message = error_message(body, resp.text[:200] or "HTTP %d" % resp.status)
        status = resp.status
        if status == 413 and len(batch) > 1 and depth < 8:
            half = len(batch) // 2
            self._deliver(batch[:half], depth + 1)
            self._deliver(batch[half:], depth + 1)
            return
        if status == 400:
            bad = _bad_indices(body, len(batch))
            if bad and len(bad) < len(batch) and depth < 2:
                self._warn_once("400:" + message, "tora: the server rejected %d log entries and kept the rest: %s" % (len(bad), message))
                self.dropped += len(bad)
                self._deliver([e for i, e in enumerate(batch) if i not in bad], depth + 1)
                return
        if status in (401, 403, 404):
            # The entries are fine; the key or the experiment is not. Keep them for a later sync.
            self._warn_once(
                str(status),
                "tora: the server refused the logs for experiment %s (HTTP %d: %s); saving them to the spool"
                % (self.experiment_id, status, message),
            )
            self._spill(batch, "HTTP %d" % status, quiet=True)
            return
        self.dropped += len(batch)
        self._warn_once(
            "%d:%s" % (status, message),
            "tora: the server rejected a batch of %d log entries (HTTP %d): %s. They were dropped."
            % (len(batch), status, message),
        )

    # -- spooling ------------------------------------------------------------------------------

    def _spill(self, encoded: List[str], reason: str, quiet: bool = False) -> None:
        if not encoded:
            return
        try:
            path = _spool.spool_logs(self.spool_dir, self.experiment_id, self.base_url, encoded)
        except OSError as error:
            self.dropped += len(encoded)
            logger.error("tora: could not write %d entries to the spool in %s: %s", len(encoded), self.spool_dir, error)
            return
        self.spilled += len(encoded)
        self.spool_file = path
        if not quiet:
            logger.warning(
                "tora: %s; saved %d entries to %s and carrying on. Upload them later with `python -m tora sync`.",
                reason,
                len(encoded),
                path,
            )

    def _spill_queue(self, reason: str, quiet: bool = True) -> None:
        entries: List[str] = []
        queue = self.queue
        while True:
            try:
                entries.append(encode(queue.popleft()))
            except IndexError:
                break
        self._spill(entries, reason, quiet)
        self._spill_overflow()

    def _spill_overflow(self) -> None:
        with self._overflow_lock:
            chunk, self._overflow = self._overflow, []
        if chunk:
            self._spill([encode(e) for e in chunk], "the in-memory queue was full", quiet=True)

    def _warn_once(self, key: str, message: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        logger.warning(message)


def _bad_indices(body: object, count: int) -> Set[int]:
    fields = body.get("error", {}).get("fields") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
    bad: Set[int] = set()
    if isinstance(fields, dict):
        for key in fields:
            parts = str(key).split(".")
            if len(parts) >= 2 and parts[0] == "logs" and parts[1].isdigit() and int(parts[1]) < count:
                bad.add(int(parts[1]))
    return bad
