"""Console capture: `sys.stdout` and `sys.stderr` teed into numbered lines for
`POST /experiments/{id}/console`.

The script's own writes go to the real stream first, unchanged and undelayed; the tee then appends
`(stream, time, text)` to a bounded deque (no lock, no I/O). A daemon thread splits the chunks into
lines, numbers them (seq from 1 in print order, or on from the server's `last_seq` for a resumed
run), and posts batches with the same retry policy as the metric sender; what cannot be delivered
goes to the spool (`"console"` records, uploaded by `python -m tora sync`). A resent seq is kept
once by the server, so retries and repeated syncs never double a line.

Flood policy (count-dropped): when more than MAX_PENDING_CHUNKS writes wait to be sent, further
writes are still printed but not captured; the next captured write is preceded by one line
`[tora: N console lines not captured: printed faster than they could be sent]` (N counts the
newlines not captured, so a line cut by the gap may be counted there and also kept in part). Past the run's
console cap (413 with `fields.lines`) capture stops for the run, said once on the real stderr.
Only Python-level writes are seen: output of subprocesses and C extensions writing to the file
descriptors directly is not captured."""

from __future__ import annotations

import collections
import json
import logging
import os
import sys
import threading
import time
from typing import Any, Callable, Deque, List, Optional, TextIO, Tuple

from . import _http, _spool
from ._errors import error_message

logger = logging.getLogger("tora")

MAX_LINE_CHARS = 16 * 1024
CUT_MARKER = " …[line cut]"
MAX_BATCH_LINES = 5000
TARGET_BATCH_BYTES = 1_500_000
MAX_PENDING_CHUNKS = 200_000
WAKE_AT = 10_000  # chunks: with print()'s two writes a line, a full batch of 5,000 lines
INTERVAL = 1.0
STREAMS = ("stdout", "stderr")

Chunk = Tuple[int, float, str]  # stream index (-1: a drop marker whose text is the count), time.time(), text


def storable(text: str) -> str:
    """A line as the server stores it: NUL and lone surrogates replaced, cut at 16 KB."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (surrogateescape'd bytes, say)
        text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    if len(text) > MAX_LINE_CHARS:
        text = text[: MAX_LINE_CHARS - len(CUT_MARKER)] + CUT_MARKER
    return text


_iso_second = -1
_iso_prefix = ""


def iso(t: float) -> str:
    """An ISO 8601 UTC instant with milliseconds (the formatted second is reused: a flood of lines
    mostly shares it, and strftime is most of the cost)."""
    global _iso_second, _iso_prefix
    second = int(t)
    if second != _iso_second:
        _iso_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _iso_second = second
    return "%s.%03dZ" % (_iso_prefix, int((t - second) * 1000))


def enabled(explicit: Optional[bool]) -> bool:
    if explicit is not None:
        return bool(explicit)
    return os.environ.get("TORA_CAPTURE_CONSOLE", "1").strip().lower() not in ("0", "false", "no", "off")


class Tee:
    """Stands in for sys.stdout / sys.stderr: everything else is the original stream's."""

    def __init__(self, original: TextIO, index: int, capture: "ConsoleCapture"):
        self._tora_original = original
        self._tora_index = index
        self._tora_capture = capture

    def write(self, text: str) -> int:
        written = self._tora_original.write(text)
        capture = self._tora_capture
        if capture.active and text:
            capture.put(self._tora_index, text)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tora_original, name)

    def __iter__(self) -> Any:
        return iter(self._tora_original)


_all: List["ConsoleCapture"] = []


def capturing() -> bool:
    """Whether a client of this process already captures the console (one at a time)."""
    return any(c.active for c in _all)


def _after_fork_in_child() -> None:
    # A forked child has no sender thread: its prints still print, but nothing is queued forever.
    for capture in list(_all):
        capture.active = False
    _all.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class ConsoleCapture:
    def __init__(
        self,
        experiment_id: str,
        base_url: str,
        api_key: str,
        retry_timeout: float,
        spool_dir: str,
        first_seq: Optional[int],
        on_success: Callable[[], None],
        max_pending: Optional[int] = None,
    ):
        self.experiment_id = experiment_id
        self.base_url = base_url
        self.api_key = api_key
        self.retry_timeout = retry_timeout
        self.spool_dir = spool_dir
        self.max_pending = MAX_PENDING_CHUNKS if max_pending is None else max_pending
        self._next_seq = first_seq  # None: ask the server (a resumed run)
        self._on_success = on_success
        self.queue: Deque[Chunk] = collections.deque()
        self.active = True
        self.sent = 0
        self.duplicates = 0
        self.spilled = 0
        self.not_captured = 0
        self.spool_file: Optional[str] = None
        self._gap = 0
        self._partial = ["", ""]
        self._partial_time = [0.0, 0.0]
        self._limit_reached = False
        self._path = "/experiments/%s/console" % experiment_id
        self._wake = threading.Event()
        self._abort = threading.Event()
        self._stopping = False
        self._cond = threading.Condition()
        self._busy = False
        self._conn = _http.Connection(base_url)
        self._originals: Tuple[Any, Any] = (None, None)
        self._tees: Tuple[Any, Any] = (None, None)
        self._real_stderr: Any = sys.stderr
        self._thread = threading.Thread(target=self._run, name="tora-console-%s" % experiment_id[:8], daemon=True)
        self._thread.start()
        self._install()
        _all.append(self)

    # -- the tee (training thread) -------------------------------------------------------------

    def _install(self) -> None:
        self._originals = (sys.stdout, sys.stderr)
        self._real_stderr = sys.stderr or sys.__stderr__
        if sys.stdout is not None:
            sys.stdout = Tee(sys.stdout, 0, self)  # type: ignore[assignment]
        if sys.stderr is not None:
            sys.stderr = Tee(sys.stderr, 1, self)  # type: ignore[assignment]
        self._tees = (sys.stdout, sys.stderr)

    def restore(self) -> None:
        """Stop capturing and put the original streams back (unless something replaced ours since:
        then ours stays in the chain, passing writes through)."""
        self.active = False
        if sys.stdout is self._tees[0] and self._tees[0] is not None:
            sys.stdout = self._originals[0]
        if sys.stderr is self._tees[1] and self._tees[1] is not None:
            sys.stderr = self._originals[1]
        if self in _all:
            _all.remove(self)

    def put(self, index: int, text: str) -> None:
        queue = self.queue
        if len(queue) >= self.max_pending:
            self._gap += text.count("\n")
            return
        if self._gap:
            gap, self._gap = self._gap, 0
            queue.append((-1, time.time(), str(gap)))
        queue.append((index, time.time(), text))
        if len(queue) >= WAKE_AT and not self._wake.is_set():
            self._wake.set()

    # -- lines ---------------------------------------------------------------------------------

    def _lines(self, final: bool = False) -> List[Tuple[float, int, str]]:
        """Complete lines from the queued chunks (and, when `final`, the unfinished ones)."""
        out: List[Tuple[float, int, str]] = []
        queue = self.queue
        partial = self._partial
        since = self._partial_time
        for _ in range(len(queue)):
            try:
                index, t, text = queue.popleft()
            except IndexError:
                break
            if index < 0:
                # Lines cut short by the gap end where it starts, before the marker.
                for i in (0, 1):
                    if partial[i]:
                        out.append((since[i], i, _terminal_view(partial[i])))
                        partial[i] = ""
                self.not_captured += int(text)
                out.append(
                    (t, 1, "[tora: %s console lines not captured: printed faster than they could be sent]" % text)
                )
                continue
            if text == "\n":  # print() writes the newline on its own: the common case, made cheap
                line = partial[index]
                out.append((since[index] if line else t, index, _terminal_view(line) if "\r" in line else line))
                partial[index] = ""
                continue
            pieces = text.split("\n")
            for piece in pieces[:-1]:
                line = partial[index] + piece
                out.append((since[index] if partial[index] else t, index, _terminal_view(line)))
                partial[index] = ""
            rest = pieces[-1]
            if rest:
                if not partial[index]:
                    since[index] = t
                joined = partial[index] + rest
                if len(joined) > 2 * MAX_LINE_CHARS:
                    joined = _terminal_view(joined)[: 2 * MAX_LINE_CHARS]
                partial[index] = joined
        if final:
            for index in (0, 1):
                if partial[index]:
                    out.append((since[index], index, _terminal_view(partial[index])))
                    partial[index] = ""
            if self._gap:  # the flood went on to the end
                gap, self._gap = self._gap, 0
                self.not_captured += gap
                out.append((time.time(), 1, "[tora: %d console lines not captured: printed faster than they could be sent]" % gap))
        return out

    # -- the sender thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                if not self._stopping:
                    self._wake.wait(INTERVAL)
                self._wake.clear()
                final = self._stopping
                try:
                    self._drain(final)
                except Exception:  # never let the thread die
                    logger.exception("tora: unexpected error in the console sender thread")
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                if final:
                    return
        finally:
            self._conn.close()

    def _drain(self, final: bool) -> None:
        with self._cond:
            self._busy = True
        lines = self._lines(final)
        if not lines or self._limit_reached:
            return
        if self._next_seq is None and not self._resume():
            return
        encoded = []
        seq = self._next_seq or 1
        for t, index, text in lines:
            encoded.append(
                '{"seq":%d,"time":"%s","stream":"%s","text":%s}' % (seq, iso(t), STREAMS[index], json.dumps(storable(text)))
            )
            seq += 1
        self._next_seq = seq
        start = 0
        while start < len(encoded):
            size = 11
            end = start
            while end < len(encoded) and end - start < MAX_BATCH_LINES and (end == start or size + len(encoded[end]) + 1 <= TARGET_BATCH_BYTES):
                size += len(encoded[end]) + 1
                end += 1
            if self._abort.is_set():
                self._spill(encoded[start:], quiet=True)
                return
            self._deliver(encoded[start:end])
            if self._limit_reached:
                return
            start = end

    def _resume(self) -> bool:
        """Number on from the server's last line (a resumed run)."""
        resp, _ = _http.with_retries(
            lambda: self._conn.request("GET", self._path + "?limit=1", self.api_key), self.retry_timeout, sleep=self._abort.wait
        )
        data = resp.json() if resp is not None and resp.status == 200 else None
        last = data.get("data", {}).get("last_seq") if isinstance(data, dict) else None
        if not isinstance(last, int):
            self._stop_capture("could not read where the run's console left off, so console lines are not sent")
            return False
        self._next_seq = last + 1
        return True

    def _deliver(self, batch: List[str], depth: int = 0) -> None:
        body = ('{"lines":[' + ",".join(batch) + "]}").encode("ascii")
        resp, error = _http.with_retries(
            lambda: self._conn.request("POST", self._path, self.api_key, body), self.retry_timeout, sleep=self._abort.wait
        )
        if resp is not None and 200 <= resp.status < 300:
            self._on_success()
            self.sent += len(batch)
            data = resp.json()
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                self.duplicates += int(data["data"].get("duplicates") or 0)
            return
        if resp is None or _http.is_retryable(resp.status) or resp.status in (401, 403, 404):
            reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
            self._spill(batch, quiet=self._abort.is_set(), reason=reason)
            return
        payload = resp.json()
        fields = payload.get("error", {}).get("fields") if isinstance(payload, dict) and isinstance(payload.get("error"), dict) else None
        if resp.status == 413 and isinstance(fields, dict) and "lines" in fields:
            self._stop_capture(error_message(payload, "the run's console limit was reached"))
            return
        if resp.status == 413 and len(batch) > 1 and depth < 8:
            half = len(batch) // 2
            self._deliver(batch[:half], depth + 1)
            self._deliver(batch[half:], depth + 1)
            return
        logger.warning(
            "tora: the server rejected %d console lines (HTTP %d): %s", len(batch), resp.status, error_message(payload, resp.text[:200])
        )

    def _stop_capture(self, why: str) -> None:
        """Said once, on the real stderr (not captured); metrics go on."""
        self._limit_reached = True
        self.active = False
        self.queue.clear()
        try:
            self._real_stderr.write("tora: console capture stopped for experiment %s: %s\n" % (self.experiment_id, why))
            self._real_stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass

    def _spill(self, encoded: List[str], quiet: bool = False, reason: str = "") -> None:
        if not encoded:
            return
        line = _spool.console_line(self.experiment_id, self.base_url, encoded)
        try:
            self.spool_file = _spool.append_lines(self.spool_dir, self.experiment_id, [line])
        except OSError as err:
            logger.error("tora: could not write %d console lines to the spool in %s: %s", len(encoded), self.spool_dir, err)
            return
        self.spilled += len(encoded)
        if not quiet:
            logger.warning(
                "tora: %s could not be reached for %.0f s (%s); saved %d console lines to %s",
                self.base_url, self.retry_timeout, reason, len(encoded), self.spool_file,
            )  # fmt: skip

    def flush(self, timeout: Optional[float]) -> bool:
        """Wait until the complete lines printed so far were sent (or spooled)."""
        self._wake.set()
        with self._cond:
            return self._cond.wait_for(lambda: not self.queue and not self._busy, timeout)

    # -- shutdown ------------------------------------------------------------------------------

    def close(self, timeout: float) -> bool:
        """Restore the streams, send what was printed (unfinished lines too) within `timeout`,
        spool the rest."""
        self.restore()
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abort.set()
            self._thread.join(5.0)
            return False
        return True


def _terminal_view(line: str) -> str:
    """What a terminal shows of a line rewritten with carriage returns (progress bars)."""
    if line.endswith("\r"):
        line = line[:-1]
    cut = line.rfind("\r")
    return line[cut + 1 :] if cut >= 0 else line
