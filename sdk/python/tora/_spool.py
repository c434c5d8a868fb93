"""The append-only spool: what could not be delivered, one JSON object per line in
`<spool dir>/<experiment_id>.jsonl`, uploaded later by `python -m tora sync`.

A line is `{"v": 1, "experiment_id", "base_url", "logs": [LogEntry...]}` (entries keep their
msg_ids, so an upload that is repeated or that overlaps what the server already has stores every
point once), `{"v": 1, "experiment_id", "base_url", "status": "finished" | "failed"}` for a final
status that could not be set, `{..., "console": [{seq, time, stream, text}...]}` for console lines
(kept once per seq by the server) or `{..., "context": {...}}` for the start-up context (already
redacted: nothing secret is written here either). API keys are never written."""

from __future__ import annotations

import json
import os
import threading
from typing import Iterable, Optional

_lock = threading.Lock()


def spool_path(directory: str, experiment_id: str) -> str:
    return os.path.join(directory, "%s.jsonl" % experiment_id)


def _prefix(experiment_id: str, base_url: str) -> str:
    return '{"v":1,"experiment_id":%s,"base_url":%s' % (json.dumps(experiment_id), json.dumps(base_url))


def append_lines(directory: str, experiment_id: str, lines: Iterable[str]) -> str:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = spool_path(directory, experiment_id)
    data = "".join(line + "\n" for line in lines)
    with _lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return path


def logs_line(experiment_id: str, base_url: str, encoded_entries: Iterable[str]) -> str:
    return _prefix(experiment_id, base_url) + ',"logs":[' + ",".join(encoded_entries) + "]}"


def status_line(experiment_id: str, base_url: str, status: str) -> str:
    return _prefix(experiment_id, base_url) + ',"status":%s}' % json.dumps(status)


def console_line(experiment_id: str, base_url: str, encoded_lines: Iterable[str]) -> str:
    """Console lines as posted (`{seq, time, stream, text}`): their seq makes a repeated upload harmless."""
    return _prefix(experiment_id, base_url) + ',"console":[' + ",".join(encoded_lines) + "]}"


def context_line(experiment_id: str, base_url: str, context: dict) -> str:
    return _prefix(experiment_id, base_url) + ',"context":%s}' % json.dumps(context, separators=(",", ":"))


def spool_logs(directory: str, experiment_id: str, base_url: str, encoded_entries: list, chunk: int = 10_000) -> Optional[str]:
    if not encoded_entries:
        return None
    lines = [
        logs_line(experiment_id, base_url, encoded_entries[i : i + chunk])
        for i in range(0, len(encoded_entries), chunk)
    ]
    return append_lines(directory, experiment_id, lines)
