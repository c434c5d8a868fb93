"""The module-level API: `tora.setup()` once, then `tora.tmetric()` / `tora.tresult()` anywhere."""

from __future__ import annotations

import logging
import threading
from typing import Any, Mapping, Optional

from . import _config, _http
from ._client import Tora, _require_key
from ._errors import ToraError, ToraWorkspaceError, error_message
from ._validation import js_trim, label_problem, text_problem

logger = logging.getLogger("tora")

_client: Optional[Tora] = None
_lock = threading.Lock()


def setup(
    name: str,
    workspace_id: Optional[str] = None,
    description: Optional[str] = None,
    hyperparams: Optional[Mapping[str, Any]] = None,
    tags: Optional[list] = None,
    api_key: Optional[str] = None,
    server_url: Optional[str] = None,
    max_buffer_len: int = 1,
    *,
    project: Optional[str] = None,
    setup_timeout: Optional[float] = None,
    retry_timeout: Optional[float] = None,
    spool_dir: Optional[str] = None,
    heartbeat: Optional[bool] = None,
    heartbeat_interval: Optional[float] = None,
    **capture: Any,
) -> str:
    """Create an experiment, print its URL and return its id. At interpreter exit the run is
    flushed and marked `finished` (or `failed` after an uncaught exception). `project`: a
    project of the workspace by name, created on first use. `capture`: the
    capture switches of `Tora` (capture_context, capture_git, capture_env, capture_packages,
    capture_console, system_metrics_interval)."""
    global _client
    with _lock:
        if _client is not None and not _client.is_closed:
            raise ToraError("Tora client already initialized. Call tora.shutdown() before setting up another run.")
        client = Tora.create_experiment(
            name,
            workspace_id=workspace_id,
            description=description,
            hyperparams=hyperparams,
            tags=tags,
            max_buffer_len=max_buffer_len,
            api_key=api_key,
            server_url=server_url,
            project=project,
            setup_timeout=setup_timeout,
            retry_timeout=retry_timeout,
            spool_dir=spool_dir,
            heartbeat=heartbeat,
            heartbeat_interval=heartbeat_interval,
            **capture,
        )
        _client = client
    logger.info("Tora experiment created: %s", client.url)
    print("Tora experiment: %s" % client.url, flush=True)
    return client.experiment_id


def _require() -> Tora:
    client = _client
    if client is None or client.is_closed:
        raise ToraError("Tora client not initialized. Call tora.setup() first.")
    return client


def tmetric(name: str, value: Any, step: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None) -> None:
    """Log one point of a series; never waits for the network."""
    _require().metric(name, value, step, metadata)


def tresult(name: str, value: Any) -> None:
    """Log a final value; never waits for the network."""
    _require().result(name, value)


def flush(timeout: Optional[float] = None) -> bool:
    client = _client
    if client is None or client.is_closed:
        return True
    return client.flush(timeout)


def shutdown(status: Optional[str] = "finished", timeout: Optional[float] = None) -> None:
    global _client
    client = _client
    if client is None:
        return
    try:
        client.shutdown(status=status, timeout=timeout)
    except Exception as error:
        logger.error("tora: error during shutdown: %s", error)
    finally:
        _client = None


def is_initialized() -> bool:
    return _client is not None and not _client.is_closed


def get_experiment_id() -> Optional[str]:
    return _client.experiment_id if is_initialized() else None  # type: ignore[union-attr]


def get_experiment_url() -> Optional[str]:
    return _client.url if is_initialized() else None  # type: ignore[union-attr]


def create_workspace(name: str, description: Optional[str] = None, api_key: Optional[str] = None, server_url: Optional[str] = None) -> dict:
    """Create a workspace owned by the key's user and return it."""
    base_url = _config.base_url(server_url)
    key = _require_key(api_key, base_url)
    if not isinstance(name, str) or not js_trim(name):
        raise ToraWorkspaceError("workspace name must be a non-empty string")
    problem = label_problem(name)
    if problem:
        raise ToraWorkspaceError("workspace name %s: %r" % (problem, name[:120]))
    problem = text_problem(description) if isinstance(description, str) else None
    if problem:
        raise ToraWorkspaceError("workspace description %s" % problem)
    resp, error = _http.with_retries(
        lambda: _http.request(base_url, "POST", "/workspaces", key, {"name": js_trim(name), "description": description}),
        _config.setup_timeout(),
    )
    if resp is None:
        raise ToraWorkspaceError("Could not reach %s to create a workspace: %s" % (base_url, _http.describe(error) if error else "no answer"))
    body = resp.json()
    if not 200 <= resp.status < 300 or not isinstance(body, dict):
        raise ToraWorkspaceError("Could not create the workspace: HTTP %d: %s" % (resp.status, error_message(body, resp.text[:200])))
    return body["data"]
