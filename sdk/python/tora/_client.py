"""The `Tora` client: one experiment, one background sender."""

from __future__ import annotations

import atexit
import logging
import math
import os
import sys
import threading
import time
from typing import Any, Dict, Mapping, Optional

from . import _artifacts, _config, _console, _context, _heartbeat, _http, _spool, _sysmetrics
from ._errors import (
    ToraAPIError,
    ToraAuthenticationError,
    ToraConnectionError,
    ToraExperimentError,
    ToraMetricError,
    ToraValidationError,
    error_message,
)
from ._sender import Sender
from ._uuid7 import uuid7
from ._validation import (
    MAX_STEP,
    METRIC_METADATA,
    RESULT_METADATA,
    check_experiment_fields,
    check_name,
    check_project,
    check_step,
    check_value,
    encode_metadata,
)

logger = logging.getLogger("tora")

STATUS_TIMEOUT = 5.0


class Tora:
    """Logs to one experiment. Calls never wait for the network: entries go to an in-memory queue
    that a daemon thread sends in batches, with retries, spilling to the spool what it cannot
    deliver. At interpreter exit every open client is flushed (bounded by TORA_EXIT_TIMEOUT) and
    its run marked `finished`, or `failed` after an uncaught exception. While the client is open
    and nothing reached the server for TORA_HEARTBEAT_INTERVAL seconds (default 30), another daemon
    thread sends a heartbeat, so a quiet run does not show as `crashed` (`heartbeat=False` or
    TORA_HEARTBEAT=0 turns it off).

    Captured by default, each switchable off by argument or environment variable: the run's
    context once at start-up (`capture_context` / TORA_CAPTURE_CONTEXT, with its parts
    `capture_git` / TORA_CAPTURE_GIT, `capture_env` / TORA_CAPTURE_ENV and `capture_packages` /
    TORA_CAPTURE_PACKAGES), system metrics every `system_metrics_interval` /
    TORA_SYSTEM_METRICS_INTERVAL seconds (15; 0 = off) and the console (`capture_console` /
    TORA_CAPTURE_CONSOLE). All of it runs on daemon threads and never raises into the script."""

    def __init__(
        self,
        experiment_id: str,
        url: Optional[str] = None,
        description: Optional[str] = None,
        hyperparams: Optional[Mapping[str, Any]] = None,
        tags: Optional[list] = None,
        max_buffer_len: int = 25,
        api_key: Optional[str] = None,
        server_url: Optional[str] = None,
        *,
        name: Optional[str] = None,
        status: Optional[str] = None,
        project: Optional[str] = None,
        retry_timeout: Optional[float] = None,
        spool_dir: Optional[str] = None,
        heartbeat: Optional[bool] = None,
        heartbeat_interval: Optional[float] = None,
        capture_context: Optional[bool] = None,
        capture_git: Optional[bool] = None,
        capture_env: Optional[bool] = None,
        capture_packages: Optional[bool] = None,
        capture_console: Optional[bool] = None,
        system_metrics_interval: Optional[float] = None,
        _new_run: bool = False,
    ):
        if not isinstance(experiment_id, str) or not experiment_id.strip():
            raise ToraValidationError("Experiment ID must be a non-empty string")
        self._experiment_id = experiment_id.strip()
        self._url = url
        self.name = name
        self.description = description
        self.hyperparams = dict(hyperparams) if hyperparams else {}
        self.tags = list(tags) if tags else []
        self.status = status
        self.project = project
        self._max_buffer_len = max(1, int(max_buffer_len))  # kept for the public SDK's API; unused
        self._base_url = _config.base_url(server_url)
        self._api_key = _require_key(api_key, self._base_url)
        self._spool_dir = _config.spool_dir(spool_dir)
        self._closed = False
        self._close_lock = threading.Lock()
        self._names: set = set()
        self._sender = Sender(
            self._experiment_id,
            self._base_url,
            self._api_key,
            _config.retry_timeout() if retry_timeout is None else float(retry_timeout),
            self._spool_dir,
        )
        self._retry_timeout = _config.retry_timeout() if retry_timeout is None else float(retry_timeout)
        self._artifacts: Optional[_artifacts.ArtifactUploader] = None
        self._heartbeat: Optional[_heartbeat.Heartbeat] = None
        if _heartbeat.enabled(heartbeat):
            sender = self._sender
            self._heartbeat = _heartbeat.Heartbeat(
                self._experiment_id,
                self._base_url,
                self._api_key,
                _heartbeat.interval(heartbeat_interval),
                lambda: sender.last_success,
            )
        self._start_capture(
            _context.parts(capture_context, capture_git, capture_env, capture_packages),
            capture_console,
            system_metrics_interval,
            _new_run,
        )
        _register(self)

    def _start_capture(self, parts, capture_console, system_metrics_interval, new_run: bool) -> None:
        sender = self._sender
        self._context: Optional[_context.ContextSender] = None
        self._console: Optional[_console.ConsoleCapture] = None
        self._sampler: Optional[_sysmetrics.Sampler] = None
        if parts is not None:
            self._context = _context.ContextSender(
                self._experiment_id, self._base_url, self._api_key, parts, sender.retry_timeout, self._spool_dir
            )
        every = _sysmetrics.interval(system_metrics_interval)
        if every > 0:
            put = sender.put

            def emit(name: str, value: float) -> None:
                put((name, uuid7(), float(value), None, METRIC_METADATA))

            self._sampler = _sysmetrics.Sampler(every, emit, "tora-system-%s" % self._experiment_id[:8])
        if _console.enabled(capture_console) and not _console.capturing():

            def alive() -> None:
                sender.last_success = time.monotonic()

            self._console = _console.ConsoleCapture(
                self._experiment_id,
                self._base_url,
                self._api_key,
                sender.retry_timeout,
                self._spool_dir,
                1 if new_run else None,
                alive,
            )

    # -- experiments ---------------------------------------------------------------------------

    @classmethod
    def create_experiment(
        cls,
        name: str,
        workspace_id: Optional[str] = None,
        description: Optional[str] = None,
        hyperparams: Optional[Mapping[str, Any]] = None,
        tags: Optional[list] = None,
        max_buffer_len: int = 25,
        api_key: Optional[str] = None,
        server_url: Optional[str] = None,
        *,
        project: Optional[str] = None,
        setup_timeout: Optional[float] = None,
        retry_timeout: Optional[float] = None,
        spool_dir: Optional[str] = None,
        heartbeat: Optional[bool] = None,
        heartbeat_interval: Optional[float] = None,
        **capture: Any,
    ) -> "Tora":
        """Create an experiment (status `running`) and return a client logging to it. `project`:
        a project of the workspace by name, created on first use (None: no project). `capture`:
        the constructor's capture switches (capture_context, capture_git, capture_env,
        capture_packages, capture_console, system_metrics_interval)."""
        name, hp_list, tag_list = check_experiment_fields(name, hyperparams, tags, description)
        project = check_project(project)
        base_url = _config.base_url(server_url)
        key = _require_key(api_key, base_url)
        body: Dict[str, Any] = {"name": name}
        if workspace_id:
            body["workspaceId"] = workspace_id
        if description:
            body["description"] = description
        if hp_list:
            body["hyperparams"] = hp_list
        if tag_list:
            body["tags"] = tag_list
        if project is not None:
            body["project"] = project
        data = _call(base_url, key, "POST", "/experiments", body, setup_timeout, "create the experiment")
        options = dict(capture, heartbeat=heartbeat, heartbeat_interval=heartbeat_interval, _new_run=True)
        return cls._from_data(data, base_url, key, max_buffer_len, retry_timeout, spool_dir, options)

    @classmethod
    def load_experiment(
        cls,
        experiment_id: str,
        max_buffer_len: int = 25,
        api_key: Optional[str] = None,
        server_url: Optional[str] = None,
        *,
        setup_timeout: Optional[float] = None,
        retry_timeout: Optional[float] = None,
        spool_dir: Optional[str] = None,
        heartbeat: Optional[bool] = None,
        heartbeat_interval: Optional[float] = None,
        **capture: Any,
    ) -> "Tora":
        """Resume logging to an existing experiment. Its status is left as it is (a finished run
        you add a late result to stays finished until this client shuts down, which sets it
        again: `finished`, or `failed` after an uncaught exception)."""
        if not isinstance(experiment_id, str) or not experiment_id.strip():
            raise ToraValidationError("Experiment ID must be a non-empty string")
        base_url = _config.base_url(server_url)
        key = _require_key(api_key, base_url)
        data = _call(
            base_url, key, "GET", "/experiments/%s" % experiment_id.strip(), None, setup_timeout, "load the experiment"
        )
        options = dict(capture, heartbeat=heartbeat, heartbeat_interval=heartbeat_interval)
        return cls._from_data(data, base_url, key, max_buffer_len, retry_timeout, spool_dir, options)

    @classmethod
    def _from_data(
        cls, data: Any, base_url: str, key: str, max_buffer_len: int, retry_timeout, spool_dir, options
    ) -> "Tora":
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ToraAPIError("Unexpected response from %s: no experiment id" % base_url)
        hyperparams = {}
        for pair in data.get("hyperparams") or []:
            if isinstance(pair, dict) and "key" in pair:
                hyperparams[pair["key"]] = pair.get("value")
        return cls(
            data["id"],
            url=data.get("url"),
            description=data.get("description"),
            hyperparams=hyperparams,
            tags=data.get("tags"),
            max_buffer_len=max_buffer_len,
            api_key=key,
            server_url=base_url,
            name=data.get("name"),
            status=data.get("status"),
            project=data.get("project"),
            retry_timeout=retry_timeout,
            spool_dir=spool_dir,
            **options,
        )

    # -- logging (the hot path: validation + a deque append) -----------------------------------

    def metric(
        self,
        name: str,
        value: Any,
        step: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        *,
        step_or_epoch: Optional[int] = None,
    ) -> None:
        """Log one point of the series `name`. `step=None` lets the server assign the series'
        next step. Raises ToraValidationError at once for a value the server would reject."""
        if self._closed:
            raise ToraMetricError("Cannot log to a Tora client that has been shut down")
        if step is None:
            step = step_or_epoch
        if name not in self._names:
            check_name(name)
            if len(self._names) < 10_000:
                self._names.add(name)
        if type(value) is not float or not math.isfinite(value):
            value = check_value(value, name)
        if type(step) is not int or not 0 <= step <= MAX_STEP:
            step = check_step(step)
        meta = METRIC_METADATA if metadata is None else encode_metadata(metadata, "metric")
        self._sender.put((name, uuid7(), value, step, meta))

    def result(self, name: str, value: Any, metadata: Optional[Mapping[str, Any]] = None) -> None:
        """Log a final value (the newest per name wins)."""
        if self._closed:
            raise ToraMetricError("Cannot log to a Tora client that has been shut down")
        check_name(name)
        value = check_value(value, name)
        meta = RESULT_METADATA if metadata is None else encode_metadata(metadata, "result")
        self._sender.put((name, uuid7(), value, None, meta))

    def log_metrics(self, metrics: Mapping[str, Any], step: Optional[int] = None) -> None:
        """Log several series at the same step. All are validated before any is queued."""
        if not isinstance(metrics, Mapping):
            raise ToraValidationError("metrics must be a dict of name -> value")
        step = check_step(step)
        checked = [(check_name(n), check_value(v, n)) for n, v in metrics.items()]
        for name, value in checked:
            self.metric(name, value, step)

    def log_artifact(self, path: str, name: Optional[str] = None, overwrite: bool = False) -> None:
        """Store a file, or every file under a directory, with the run; `name` is its path in the
        run (default: the base name). Returns at once: a background thread streams the upload, with
        retries; shutdown() waits for it (TORA_ARTIFACT_TIMEOUT seconds, default 3600). Other bytes
        at a stored path are refused unless `overwrite`."""
        if self._closed:
            raise ToraMetricError("Cannot log an artifact to a Tora client that has been shut down")
        if self._artifacts is None:
            self._artifacts = _artifacts.ArtifactUploader(
                self._experiment_id, self._base_url, self._api_key, self._retry_timeout
            )
        self._artifacts.add(os.fspath(path), name, {"overwrite": True} if overwrite else None)

    def flush_artifacts(self, timeout: Optional[float] = None) -> bool:
        """Wait until every artifact logged so far is stored (or given up on); True if in time."""
        return self._artifacts is None or self._artifacts.flush(timeout)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Wait until everything logged so far was sent (or spooled). True if it was within
        `timeout` seconds (None: no limit)."""
        if self._closed:
            raise ToraMetricError("Cannot flush a Tora client that has been shut down")
        started = time.monotonic()
        done = self._sender.flush(timeout)
        if self._console is not None:
            left = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
            done = self._console.flush(left) and done
        return done

    def shutdown(self, status: Optional[str] = "finished", timeout: Optional[float] = None) -> None:
        """Send what is queued (waiting at most `timeout`, default TORA_EXIT_TIMEOUT seconds;
        the rest goes to the spool), then set the run's status (`None` leaves it). Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        _unregister(self)
        if self._heartbeat is not None:
            self._heartbeat.stop()
        wait = _config.exit_timeout() if timeout is None else max(0.0, float(timeout))
        deadline = time.monotonic() + wait
        if self._sampler is not None:
            self._sampler.stop()
        console = self._console
        if console is not None:
            console.close(max(0.0, deadline - time.monotonic()))
        if self._context is not None:
            self._context.join(max(0.0, deadline - time.monotonic()))
        sender = self._sender
        sender.close(max(0.0, deadline - time.monotonic()))
        if self._artifacts is not None and not self._artifacts.flush(
            float(os.environ.get("TORA_ARTIFACT_TIMEOUT") or 3600)
        ):
            sys.stderr.write("tora: artifact uploads for experiment %s did not finish in time.\n" % self._experiment_id)
        if status is not None:
            self._set_status(status)
        if sender.spilled:
            sys.stderr.write(
                "tora: %d log entries for experiment %s could not be sent to %s and were saved in %s.\n"
                "tora: upload them with: python -m tora sync\n"
                % (sender.spilled, self._experiment_id, self._base_url, sender.spool_file or self._spool_dir)
            )
        if console is not None and console.spilled:
            sys.stderr.write(
                "tora: %d console lines for experiment %s could not be sent and were saved in %s; "
                "upload them with: python -m tora sync\n" % (console.spilled, self._experiment_id, console.spool_file)
            )
        if sender.dropped:
            sys.stderr.write(
                "tora: %d log entries for experiment %s were rejected by the server (see the warnings above).\n"
                % (sender.dropped, self._experiment_id)
            )

    def _set_status(self, status: str) -> None:
        path = "/experiments/%s" % self._experiment_id
        resp, error = _http.with_retries(
            lambda: _http.request(self._base_url, "PATCH", path, self._api_key, {"status": status}, timeout=STATUS_TIMEOUT),
            STATUS_TIMEOUT,
        )
        if resp is not None and 200 <= resp.status < 300:
            self.status = status
            return
        if resp is not None and not _http.is_retryable(resp.status):
            logger.warning(
                "tora: could not mark experiment %s %s: HTTP %d: %s",
                self._experiment_id,
                status,
                resp.status,
                error_message(resp.json(), resp.text[:200]),
            )
            return
        try:
            path = _spool.append_lines(
                self._spool_dir,
                self._experiment_id,
                [_spool.status_line(self._experiment_id, self._base_url, status)],
            )
        except OSError as err:
            logger.warning("tora: could not mark experiment %s %s and could not spool it: %s", self._experiment_id, status, err)
            return
        self._sender.spool_file = path
        sys.stderr.write(
            "tora: could not reach %s to mark experiment %s %s; saved in %s.\n"
            "tora: upload it with: python -m tora sync\n" % (self._base_url, self._experiment_id, status, path)
        )

    # -- properties and context manager --------------------------------------------------------

    @property
    def experiment_id(self) -> str:
        return self._experiment_id

    @property
    def url(self) -> Optional[str]:
        return self._url

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def buffer_size(self) -> int:
        return len(self._sender.queue)

    @property
    def max_buffer_len(self) -> int:
        return self._max_buffer_len

    @max_buffer_len.setter
    def max_buffer_len(self, value: int) -> None:
        self._max_buffer_len = max(1, int(value))

    @property
    def heartbeats(self) -> int:
        """Heartbeats the server acknowledged so far (0 when they are off or the run was busy)."""
        return self._heartbeat.beats if self._heartbeat is not None else 0

    @property
    def stats(self) -> Dict[str, int]:
        """Entries sent, skipped by the server as duplicates, spooled, dropped, and still queued."""
        s = self._sender
        out = {"sent": s.sent, "duplicates": s.duplicates, "spilled": s.spilled, "dropped": s.dropped, "queued": len(s.queue)}
        c = self._console
        if c is not None:
            out.update(console_sent=c.sent, console_spilled=c.spilled, console_not_captured=c.not_captured)
        return out

    def __enter__(self) -> "Tora":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.shutdown(status="failed" if exc_type is not None else "finished")

    def __repr__(self) -> str:
        return "Tora(experiment_id=%r, url=%r)" % (self._experiment_id, self._url)


def _require_key(api_key: Optional[str], base_url: str) -> str:
    key = _config.api_key(api_key)
    if not key:
        raise ToraAuthenticationError(
            "No Tora API key: set TORA_API_KEY (or pass api_key=). Create one on %s under Settings → API keys."
            % base_url.rsplit("/api", 1)[0]
        )
    return key


def _call(base_url: str, key: str, method: str, path: str, body: Any, budget: Optional[float], what: str) -> Any:
    """A setup-time request: retried while the server is unreachable or overloaded (at most
    TORA_SETUP_TIMEOUT s), then mapped to the SDK's exceptions."""
    budget = _config.setup_timeout() if budget is None else float(budget)
    started = time.monotonic()
    resp, error = _http.with_retries(lambda: _http.request(base_url, method, path, key, body), budget)
    if resp is None or _http.is_retryable(resp.status):
        reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
        raise ToraConnectionError(
            "Could not %s: the Tora server at %s did not answer for %.0f s (%s). "
            "Is it running, and is TORA_BASE_URL right?" % (what, base_url, time.monotonic() - started, reason),
            status_code=resp.status if resp is not None else None,
        )
    payload = resp.json()
    if 200 <= resp.status < 300:
        if not isinstance(payload, dict) or "data" not in payload:
            raise ToraAPIError("Invalid response format from %s" % base_url, resp.status, resp.text[:500])
        return payload["data"]
    message = error_message(payload, resp.text[:200] or "HTTP %d" % resp.status)
    if resp.status == 401:
        raise ToraAuthenticationError(
            "The Tora server at %s rejected the API key: %s. Check TORA_API_KEY (keys start with tora_sk_ and "
            "can be created under Settings → API keys)." % (base_url, message)
        )
    if resp.status == 400:
        fields = payload.get("error", {}).get("fields") if isinstance(payload, dict) else None
        raise ToraValidationError("Could not %s: %s" % (what, message), fields if isinstance(fields, dict) else None)
    if resp.status == 404:
        if method == "GET":
            raise ToraExperimentError("Experiment not found (or not visible with this API key): %s" % message)
        raise ToraValidationError("Workspace not found (or not visible with this API key): %s" % message)
    raise ToraAPIError("Could not %s: HTTP %d: %s" % (what, resp.status, message), resp.status, resp.text[:500])


# -- process-wide exit handling ----------------------------------------------------------------

_clients: "list[Tora]" = []
_registry_lock = threading.Lock()
_hooks_installed = False
_crashed = False


def _register(client: Tora) -> None:
    global _hooks_installed
    with _registry_lock:
        _clients.append(client)
        if _hooks_installed:
            return
        _hooks_installed = True
    atexit.register(_at_exit)
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):  # chained: the usual traceback still prints
        global _crashed
        _crashed = True
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)


def _after_fork_in_child() -> None:
    # A forked child (a DataLoader worker, say) has no sender thread: its exit must neither wait
    # for one nor mark the parent's run finished. Log from the parent process.
    global _registry_lock
    _registry_lock = threading.Lock()
    _clients.clear()


def _unregister(client: Tora) -> None:
    with _registry_lock:
        if client in _clients:
            _clients.remove(client)


def _at_exit() -> None:
    status = "failed" if _crashed else "finished"
    deadline = time.monotonic() + _config.exit_timeout()
    with _registry_lock:
        clients = list(_clients)
    for client in clients:
        try:
            client.shutdown(status=status, timeout=max(0.0, deadline - time.monotonic()))
        except Exception:
            logger.exception("tora: error while shutting down experiment %s", client.experiment_id)
