"""`python -m tora sync`: upload the spool.

Each `<experiment_id>.jsonl` file is first renamed to `<name>.syncing-<pid>` (so a run still
writing to the spool starts a fresh file instead of racing us), then uploaded line by line with the
entries' original msg_ids: anything the server already has is skipped, so an interrupted or repeated
sync never duplicates a point. A file is deleted only after the server acknowledged every line; lines
that could not be delivered are appended back to `<experiment_id>.jsonl` for the next sync."""

from __future__ import annotations

import glob
import json
import os
import sys
from typing import Any, Dict, List, Optional, TextIO, Tuple

from . import _config, _http, _spool
from ._errors import error_message
from ._sender import MAX_BATCH_ENTRIES, TARGET_BATCH_BYTES

MAX_CONSOLE_BATCH = 5000  # the server's limit; batches are cut by bytes too


class _Stop(Exception):
    """The server refused in a way that retrying now cannot fix (auth, missing experiment...)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _claim(directory: str) -> List[Tuple[str, str]]:
    """(claimed path, experiment id) for every spool file, including ones a crashed sync left."""
    claimed = []
    me = os.getpid()
    for path in sorted(glob.glob(os.path.join(directory, "*.jsonl.syncing-*"))):
        pid = path.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != me and _pid_alive(int(pid)):
            continue  # another sync is working on it
        claimed.append(path)
    for path in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        target = "%s.syncing-%d" % (path, me)
        try:
            os.replace(path, target)
        except FileNotFoundError:
            continue
        claimed.append(target)
    out = []
    for path in claimed:
        experiment_id = os.path.basename(path).split(".jsonl", 1)[0]
        out.append((path, experiment_id))
    return out


def _batches(logs: List[Any], max_entries: int = MAX_BATCH_ENTRIES) -> List[List[Any]]:
    batches: List[List[Any]] = []
    current: List[Any] = []
    size = 12
    for entry in logs:
        n = len(json.dumps(entry, separators=(",", ":"))) + 1
        if current and (len(current) >= max_entries or size + n > TARGET_BATCH_BYTES):
            batches.append(current)
            current, size = [], 12
        current.append(entry)
        size += n
    if current:
        batches.append(current)
    return batches


def _upload_logs(base_url: str, key: str, experiment_id: str, logs: List[Any], budget: float, out: TextIO) -> Dict[str, int]:
    totals = {"sent": 0, "stored": 0, "duplicates": 0, "rejected": 0}
    path = "/experiments/%s/logs/batch" % experiment_id
    pending = _batches(logs)
    conn = _http.Connection(base_url)  # one kept-alive connection for all the batches
    try:
        return _upload_batches(conn, path, key, pending, budget, totals, out)
    finally:
        conn.close()


def _upload_batches(
    conn: "_http.Connection", path: str, key: str, pending: List[List[Any]], budget: float, totals: Dict[str, int], out: TextIO
) -> Dict[str, int]:
    base_url = conn.base_url
    while pending:
        batch = pending.pop(0)
        body = json.dumps({"logs": batch}, separators=(",", ":")).encode("utf-8")
        resp, error = _http.with_retries(lambda: conn.request("POST", path, key, body), budget)
        if resp is None or _http.is_retryable(resp.status):
            reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
            raise _Stop("%s unreachable (%s)" % (base_url, reason))
        payload = resp.json()
        if 200 <= resp.status < 300:
            data = payload.get("data") if isinstance(payload, dict) else None
            totals["sent"] += len(batch)
            if isinstance(data, dict):
                totals["stored"] += int(data.get("stored") or 0)
                totals["duplicates"] += int(data.get("duplicates") or 0)
            continue
        message = error_message(payload, resp.text[:200] or "HTTP %d" % resp.status)
        if resp.status == 413 and len(batch) > 1:
            half = len(batch) // 2
            pending[:0] = [batch[:half], batch[half:]]
            continue
        if resp.status == 400:
            fields = payload.get("error", {}).get("fields") if isinstance(payload, dict) else None
            bad = set()
            for k in fields or {}:
                parts = str(k).split(".")
                if len(parts) >= 2 and parts[0] == "logs" and parts[1].isdigit():
                    bad.add(int(parts[1]))
            out.write("  %d entries rejected by the server and skipped: %s\n" % (len(bad) or len(batch), message))
            if bad and len(bad) < len(batch):
                totals["rejected"] += len(bad)
                pending.insert(0, [e for i, e in enumerate(batch) if i not in bad])
            else:
                totals["rejected"] += len(batch)
            continue
        raise _Stop("HTTP %d: %s" % (resp.status, message))
    return totals


def _upload_console(base_url: str, key: str, experiment_id: str, lines: List[Any], budget: float, out: TextIO) -> int:
    """Console lines, resent with their seq (the server keeps each once). Returns lines sent."""
    path = "/experiments/%s/console" % experiment_id
    conn = _http.Connection(base_url)
    sent = 0
    try:
        start = 0
        for batch in _batches(lines, MAX_CONSOLE_BATCH):
            body = json.dumps({"lines": batch}, separators=(",", ":")).encode("utf-8")
            resp, error = _http.with_retries(lambda: conn.request("POST", path, key, body), budget)
            if resp is None or _http.is_retryable(resp.status):
                reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
                raise _Stop("%s unreachable (%s)" % (base_url, reason))
            if 200 <= resp.status < 300:
                sent += len(batch)
                start += len(batch)
                continue
            message = error_message(resp.json(), resp.text[:200] or "HTTP %d" % resp.status)
            if resp.status in (400, 413):
                out.write("  %d console lines refused by the server and skipped: %s\n" % (len(lines) - start, message))
                return sent
            raise _Stop("HTTP %d: %s" % (resp.status, message))
    finally:
        conn.close()
    return sent


def _upload_context(base_url: str, key: str, experiment_id: str, context: Any, budget: float, out: TextIO) -> None:
    resp, error = _http.with_retries(
        lambda: _http.request(base_url, "PUT", "/experiments/%s/context" % experiment_id, key, context), budget
    )
    if resp is None or _http.is_retryable(resp.status):
        raise _Stop("%s unreachable (%s)" % (base_url, _http.describe(error) if error else "HTTP %d" % resp.status))
    if 200 <= resp.status < 300:
        out.write("  uploaded the run context\n")
    elif resp.status == 400:
        out.write("  the run context was refused and skipped: %s\n" % error_message(resp.json(), resp.text[:200]))
    else:
        raise _Stop("HTTP %d: %s" % (resp.status, error_message(resp.json(), resp.text[:200])))


def _set_status(base_url: str, key: str, experiment_id: str, status: str, budget: float) -> None:
    resp, error = _http.with_retries(
        lambda: _http.request(base_url, "PATCH", "/experiments/%s" % experiment_id, key, {"status": status}), budget
    )
    if resp is None or _http.is_retryable(resp.status):
        raise _Stop("%s unreachable (%s)" % (base_url, _http.describe(error) if error else "HTTP %d" % resp.status))
    if not 200 <= resp.status < 300:
        raise _Stop("could not set status %s: HTTP %d: %s" % (status, resp.status, error_message(resp.json(), resp.text[:200])))


def sync(
    spool_dir: Optional[str] = None,
    server_url: Optional[str] = None,
    api_key: Optional[str] = None,
    retry_timeout: Optional[float] = None,
    out: TextIO = sys.stdout,
) -> int:
    """Upload every spool file. Returns 0 when everything was delivered, 1 otherwise."""
    directory = _config.spool_dir(spool_dir)
    key = _config.api_key(api_key)
    budget = _config.retry_timeout() if retry_timeout is None else retry_timeout
    if not os.path.isdir(directory):
        out.write("tora sync: nothing to upload (%s does not exist)\n" % directory)
        return 0
    if not key:
        out.write("tora sync: no API key: set TORA_API_KEY or pass --api-key\n")
        return 2
    files = _claim(directory)
    if not files:
        out.write("tora sync: nothing to upload in %s\n" % directory)
        return 0
    grand = {"files": 0, "sent": 0, "stored": 0, "duplicates": 0, "rejected": 0, "failed": 0}
    for path, experiment_id in files:
        with open(path, "r", encoding="utf-8") as f:
            lines = f.read().splitlines()
        out.write("%s (experiment %s): %d lines\n" % (os.path.basename(path).split(".syncing-")[0], experiment_id, len(lines)))
        left: List[str] = []
        error: Optional[str] = None
        totals = {"sent": 0, "stored": 0, "duplicates": 0, "rejected": 0}
        statuses: List[Tuple[str, str]] = []
        console_lines = 0
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if error is not None:
                left.append(line)
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                out.write("  line %d is not valid JSON (an interrupted write?); skipped\n" % number)
                continue
            target = _config.base_url(server_url or record.get("base_url"))
            exp = record.get("experiment_id") or experiment_id
            try:
                if isinstance(record.get("logs"), list):
                    for k, v in _upload_logs(target, key, exp, record["logs"], budget, out).items():
                        totals[k] += v
                elif isinstance(record.get("console"), list):
                    console_lines += _upload_console(target, key, exp, record["console"], budget, out)
                elif isinstance(record.get("context"), dict):
                    _upload_context(target, key, exp, record["context"], budget, out)
                elif isinstance(record.get("status"), str):
                    statuses.append((target, record["status"]))
            except _Stop as stop:
                error = str(stop)
                left.append(line)
        if error is None and statuses:
            target, status = statuses[-1]
            try:
                _set_status(target, key, experiment_id, status, budget)
                out.write("  marked %s\n" % status)
            except _Stop as stop:
                error = str(stop)
                left.append(_spool.status_line(experiment_id, target, status))
        for k, v in totals.items():
            grand[k] += v
        grand["files"] += 1
        if console_lines:
            out.write("  uploaded %d console lines\n" % console_lines)
        out.write(
            "  uploaded %d entries: %d stored, %d already on the server%s\n"
            % (totals["sent"], totals["stored"], totals["duplicates"], ", %d rejected" % totals["rejected"] if totals["rejected"] else "")
        )
        if left:
            _spool.append_lines(directory, experiment_id, left)
            grand["failed"] += 1
            out.write("  stopped: %s; %d lines kept for the next sync\n" % (error, len(left)))
        os.remove(path)
    out.write(
        "tora sync: %d file(s), %d entries uploaded (%d stored, %d already there%s)%s\n"
        % (
            grand["files"],
            grand["sent"],
            grand["stored"],
            grand["duplicates"],
            ", %d rejected" % grand["rejected"] if grand["rejected"] else "",
            "; %d file(s) could not be fully uploaded" % grand["failed"] if grand["failed"] else "; spool is empty",
        )
    )
    return 1 if grand["failed"] else 0
