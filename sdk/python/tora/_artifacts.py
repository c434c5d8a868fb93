"""Artifacts from the Python SDK (standard library only): files and directories uploaded on a
background thread, streamed from disk in 1 MB pieces (never read whole), through one code path for
every server: ask for an upload (`POST /experiments/{id}/artifacts` with the size and sha256), send
the bytes to the URL it answers (the single server's own, or Supabase Storage's), complete it.
Network errors, 429 and 5xx start the file again from a new request (the server keeps nothing of a
half-sent one), with backoff; the same bytes at the same path are a no-op, so a retry or a rerun
uploads nothing twice. Mirrors sdk/ts/src/artifacts.ts."""

from __future__ import annotations

import hashlib
import http.client
import mimetypes
import os
import queue
import random
import sys
import threading
import time
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

from . import _http
from ._errors import ToraAPIError, ToraError

CHUNK = 1024 * 1024
MIN_ATTEMPTS = 3
TRANSFER_TIMEOUT = 300.0


class _Retryable(Exception):
    """A failure worth starting the file again for: the network, or the server busy or restarting."""


def artifact_files(source: str, name: Optional[str] = None) -> List[Tuple[str, str]]:
    """(file on disk, path in the run) for a file, or for every file under a directory."""
    root = (name if name is not None else os.path.basename(os.path.normpath(source))).strip("/")
    if not os.path.isdir(source):
        if not os.path.isfile(source):
            raise ToraError("artifact %s: no such file or directory" % source)
        return [(source, root)]
    found: List[Tuple[str, str]] = []
    for directory, dirs, files in os.walk(source):
        dirs.sort()
        for filename in sorted(files):
            full = os.path.join(directory, filename)
            relative = os.path.relpath(full, source).replace(os.sep, "/")
            found.append((full, "/".join(p for p in (root, relative) if p)))
    return found


def digest(file: str) -> Tuple[int, str]:
    """The file's size and sha256, read in pieces."""
    hasher = hashlib.sha256()
    size = 0
    with open(file, "rb") as handle:
        for piece in iter(lambda: handle.read(CHUNK), b""):
            size += len(piece)
            hasher.update(piece)
    return size, hasher.hexdigest()


def _call(base_url: str, api_key: Optional[str], method: str, path: str, body: Any, budget: float) -> Any:
    resp, error = _http.with_retries(lambda: _http.request(base_url, method, path, api_key, body), budget)
    if resp is None or _http.is_retryable(resp.status):
        raise _Retryable("%s %s: %s" % (method, path, _http.describe(error) if error else "HTTP %s" % resp.status))
    data = resp.json()
    if 200 <= resp.status < 300:
        return (data or {}).get("data")
    message = ((data or {}).get("error") or {}).get("message") or resp.text()[:200]
    raise ToraAPIError("HTTP %d: %s" % (resp.status, message), resp.status)


def _send(url: str, method: str, headers: Dict[str, str], file: str, size: int) -> None:
    """Streams the file to the upload URL on its own connection (it may be another host)."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(parts.hostname, parts.port, timeout=TRANSFER_TIMEOUT)
    target = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn.putrequest(method, target)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        with open(file, "rb") as handle:
            for piece in iter(lambda: handle.read(CHUNK), b""):
                conn.send(piece)
        resp = conn.getresponse()
        resp.read()
    except (OSError, http.client.HTTPException) as exc:
        raise _Retryable("sending failed: %s" % _http.describe(exc))
    finally:
        conn.close()
    # 404: the single-use URL was taken or expired (a resend); a new request gets a new one.
    if _http.is_retryable(resp.status) or resp.status == 404:
        raise _Retryable("sending got HTTP %d" % resp.status)
    if not 200 <= resp.status < 300:
        raise ToraAPIError("sending got HTTP %d" % resp.status, resp.status)


def _upload_once(
    base_url: str, api_key: Optional[str], experiment_id: str, file: str, path: str, extra: Dict[str, Any], budget: float
) -> Dict[str, Any]:
    size, sha256 = digest(file)
    base = "/experiments/%s/artifacts" % urllib.parse.quote(experiment_id)
    content_type = mimetypes.guess_type(file)[0] or "application/octet-stream"
    body = dict(path=path, size=size, sha256=sha256, contentType=content_type, **extra)
    asked = _call(base_url, api_key, "POST", base, body, budget)
    upload = asked.get("upload")
    if upload is None:
        return asked["artifact"]
    _send(upload["url"], upload["method"], upload.get("headers") or {}, file, size)
    try:
        return _call(base_url, api_key, "POST", "%s/%s/complete" % (base, asked["artifact"]["id"]), None, budget)
    except ToraAPIError as exc:
        # The bytes changed on disk while they were sent: hash them again.
        if exc.status_code == 400:
            raise _Retryable(str(exc))
        raise


def upload_file(
    base_url: str,
    api_key: Optional[str],
    experiment_id: str,
    file: str,
    path: str,
    extra: Optional[Dict[str, Any]] = None,
    budget: float = 60.0,
) -> Dict[str, Any]:
    """Stores one file, started again from a new request after a retryable failure, for at most
    `budget` seconds (and at least a few attempts)."""
    deadline = time.monotonic() + budget
    attempt = 0
    while True:
        try:
            return _upload_once(base_url, api_key, experiment_id, file, path, extra or {}, budget)
        except _Retryable:
            attempt += 1
            if attempt >= MIN_ATTEMPTS and time.monotonic() >= deadline:
                raise
            time.sleep(random.uniform(0, min(8.0, 0.5 * 2**attempt)))


class ArtifactUploader:
    """The background queue behind `log_artifact`: calls return at once, daemon threads send the
    files (two at a time). A file that cannot be stored is a warning on stderr, never an exception
    in the training script."""

    def __init__(self, experiment_id: str, base_url: str, api_key: Optional[str], budget: float, threads: int = 2):
        self._experiment_id = experiment_id
        self._base_url = base_url
        self._api_key = api_key
        self._budget = budget
        self._queue: "queue.Queue[Tuple[str, Optional[str], Dict[str, Any]]]" = queue.Queue()
        self.stored = 0
        self.failed = 0
        self._threads = [threading.Thread(target=self._run, name="tora-artifacts", daemon=True) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def add(self, source: str, name: Optional[str] = None, extra: Optional[Dict[str, Any]] = None) -> None:
        self._queue.put((source, name, extra or {}))

    def _run(self) -> None:
        while True:
            source, name, extra = self._queue.get()
            try:
                # Directories are listed here, off the training thread; their files join the queue.
                files = artifact_files(source, name)
                if len(files) != 1 or files[0][0] != source:
                    for file, path in files:
                        self._queue.put((file, path, extra))
                    continue
                upload_file(self._base_url, self._api_key, self._experiment_id, source, files[0][1], extra, self._budget)
                self.stored += 1
            except Exception as exc:  # noqa: BLE001 - reported, never raised into the script
                self.failed += 1
                sys.stderr.write("tora: artifact %s not uploaded: %s\n" % (source, exc))
            finally:
                self._queue.task_done()

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until every queued file is stored or given up on; True if that happened in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True


def list_artifacts(base_url: str, api_key: Optional[str], experiment_id: str, budget: float = 60.0) -> List[Dict[str, Any]]:
    """Every complete artifact of a run, by path (all pages)."""
    found: List[Dict[str, Any]] = []
    after: Optional[str] = None
    while True:
        query = "?limit=1000" + ("" if after is None else "&after=" + urllib.parse.quote(after))
        page = _call(base_url, api_key, "GET", "/experiments/%s/artifacts%s" % (experiment_id, query), None, budget)
        found.extend(page["artifacts"])
        after = page.get("next_after")
        if after is None:
            return found


def download_artifact(
    base_url: str, api_key: Optional[str], experiment_id: str, artifact: Dict[str, Any], out: str, budget: float = 60.0
) -> str:
    """Streams one artifact to `out` through a temporary file, checking its sha256."""
    grant = _call(
        base_url, api_key, "GET", "/experiments/%s/artifacts/%s/download" % (experiment_id, artifact["id"]), None, budget
    )
    parts = urllib.parse.urlsplit(grant["url"])
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(parts.hostname, parts.port, timeout=TRANSFER_TIMEOUT)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    temporary = out + ".tora-partial"
    hasher = hashlib.sha256()
    try:
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        resp = conn.getresponse()
        if resp.status != 200:
            raise ToraAPIError("downloading %s got HTTP %d" % (artifact["path"], resp.status), resp.status)
        with open(temporary, "wb") as handle:
            for piece in iter(lambda: resp.read(CHUNK), b""):
                hasher.update(piece)
                handle.write(piece)
        if hasher.hexdigest() != artifact["sha256"]:
            raise ToraError("%s: the download's sha256 differs from the stored one" % artifact["path"])
        os.replace(temporary, out)
        return out
    finally:
        conn.close()
        if os.path.exists(temporary):
            os.remove(temporary)
