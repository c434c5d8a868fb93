"""The read API: runs, their summaries and their history, for notebooks and scripts.

    api = tora.Api()                       # TORA_BASE_URL / TORA_API_KEY, as the logging SDK
    for run in api.experiments(filter="metric.loss.min < 0.3", sort="metric.loss.min", order="asc", limit=10):
        print(run.name, run.hyperparams.get("lr"), run.summaries["loss"]["min"])
    api.experiment("resnet baseline").history(["loss"])   # {"loss": [(step, value), ...]}

Filtering and sorting are the server's (the run query language); lists page lazily by cursor.
Without a workspace, every workspace the key can see is listed, merged into one order."""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _config, _http
from ._client import _require_key
from ._errors import (
    ToraAPIError,
    ToraAuthenticationError,
    ToraConnectionError,
    ToraExperimentError,
    ToraValidationError,
    error_message,
)

RUNS_PAGE = 200  # the server's largest page of runs
SERIES_PAGE = 100  # the server's largest page of series
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_AGGREGATES = ("last", "min", "max", "first", "count", "last_step")
_ASCENDING_BY_DEFAULT = ("name", "description", "creator", "status")
# Fields a list response holds, so lists from several workspaces can be merged by them.
_MERGEABLE_FIELDS = ("name", "description", "status", "created", "updated", "tag")

Key = Tuple[str, str, str]  # (kind: field | hp | result | metric, name, aggregate)


def quote_text(text: str) -> str:
    """A query-language string literal, with the escapes the language knows."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"%s"' % escaped


def parse_key(text: str) -> Optional[Key]:
    """`metric."val/loss".min` → ("metric", "val/loss", "min"); None for what only the server
    reads. Used to merge lists from several workspaces in the server's order, never to filter."""
    text = text.strip()
    prefix, dot, rest = text.partition(".")
    if not dot:
        return ("field", text, "") if re.fullmatch(r"[a-z]+", text) else None
    if prefix not in ("hp", "result", "metric") or not rest:
        return None
    aggregate = "last"
    quoted = re.fullmatch(r'"((?:[^"\\]|\\.)*)"(?:\.(\w+))?', rest)
    if quoted:
        name = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), quoted.group(1))
        aggregate = quoted.group(2) or "last"
    else:
        name, _, last = rest.rpartition(".")
        if prefix == "metric" and name and last in _AGGREGATES:
            aggregate = last
        else:
            name = rest
    if aggregate not in _AGGREGATES:
        return None
    return (prefix, name, aggregate if prefix == "metric" else "")


class Run:
    """One experiment as a list or a read returned it. `summaries` holds the metric summaries the
    response carried: every metric for `api.experiment()`, in lists those named in `columns`."""

    def __init__(self, api: "Api", data: Dict[str, Any]):
        self._api = api
        self.raw = data
        self.id: str = data["id"]
        self.name: str = data.get("name", "")
        self.description: str = data.get("description", "")
        self.status: Optional[str] = data.get("status")
        self.tags: List[str] = list(data.get("tags") or [])
        self.hyperparams: Dict[str, Any] = {h["key"]: h["value"] for h in data.get("hyperparams") or []}
        self.results: Dict[str, float] = {r["name"]: r["value"] for r in data.get("results") or []}
        self.summaries: Dict[str, Dict[str, Any]] = {
            m["name"]: {k: v for k, v in m.items() if k != "name"} for m in data.get("metrics") or []
        }
        self.created_at: str = data.get("created_at", "")
        self.updated_at: str = data.get("updated_at", "")
        self.last_seen_at: Optional[str] = data.get("last_seen_at")
        self.url: str = data.get("url", "")
        self.workspace_id: str = data.get("workspace_id", "")
        self.project: Optional[str] = data.get("project")  # its project's name; None: no project

    def __repr__(self) -> str:
        return "Run(id=%r, name=%r, status=%r)" % (self.id, self.name, self.status)

    def value(self, key: Key) -> Any:
        kind, name, aggregate = key
        if kind == "hp":
            return self.hyperparams.get(name)
        if kind == "result":
            return self.results.get(name)
        if kind == "metric":
            return (self.summaries.get(name) or {}).get(aggregate)
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "created": self.created_at,
            "updated": self.updated_at,
        }.get(name)

    def history(
        self, names: Optional[Sequence[str]] = None, buckets: Optional[int] = None
    ) -> Dict[str, List[Tuple[int, float]]]:
        """{metric name: [(step, value), ...]} from `GET /experiments/{id}/metrics`, every page.
        A series longer than `buckets` (server default 1000, at most 10000) comes back bucketed:
        one (last step, last value) pair per bucket."""
        out: Dict[str, List[Tuple[int, float]]] = {}
        start_after: Optional[str] = None
        while True:
            query: Dict[str, Any] = {"limit": SERIES_PAGE}
            if names:
                query["names"] = ",".join(names)
            if buckets is not None:
                query["buckets"] = int(buckets)
            if start_after is not None:
                query["start_after"] = start_after
            page = self._api._get("/experiments/%s/metrics" % _quote(self.id), query, "read the metrics of %s" % self.id)
            for series in page.get("series") or []:
                if series.get("resolution") == "buckets":
                    points = list(zip(series["last_steps"], series["lasts"]))
                else:
                    points = list(zip(series["steps"], series["values"]))
                out[series["name"]] = points
            start_after = page.get("next_start_after")
            if not start_after:
                return out

    def history_frame(self, names: Optional[Sequence[str]] = None, buckets: Optional[int] = None) -> Any:
        """history() as a pandas DataFrame with columns name, step, value (needs pandas)."""
        pandas = _pandas("Run.history_frame()")
        rows = [
            {"name": name, "step": step, "value": value}
            for name, points in self.history(names, buckets).items()
            for step, value in points
        ]
        return pandas.DataFrame(rows, columns=["name", "step", "value"])

    def row(self) -> Dict[str, Any]:
        """The run flattened to one dict: fields, `hp.<key>`, `result.<name>`, `metric.<name>.<aggregate>`."""
        row: Dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "workspace_id": self.workspace_id,
            "project": self.project,
            "tags": ",".join(self.tags),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "last_seen_at": self.last_seen_at,
        }
        row.update(("hp.%s" % k, v) for k, v in self.hyperparams.items())
        row.update(("result.%s" % k, v) for k, v in self.results.items())
        for name, summary in self.summaries.items():
            row.update(("metric.%s.%s" % (name, a), summary.get(a)) for a in _AGGREGATES if a in summary)
        return row


class Runs:
    """A lazy list of runs: iterating it reads pages as they are needed. Iterable more than once
    (each pass asks the server again)."""

    def __init__(self, pages: Callable[[], Iterator[Run]]):
        self._pages = pages

    def __iter__(self) -> Iterator[Run]:
        return self._pages()

    def to_pandas(self) -> Any:
        """One row per run (see Run.row), as a pandas DataFrame (needs pandas)."""
        pandas = _pandas("Runs.to_pandas()")
        return pandas.DataFrame([run.row() for run in self])


def _pandas(what: str) -> Any:
    try:
        import pandas  # type: ignore[import-not-found]
    except ImportError as error:
        raise ImportError("%s needs pandas, which is not installed: pip install pandas" % what) from error
    return pandas


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _compare(key: Key, order: str) -> Callable[[Run, Run], int]:
    """The server's list order: by the key (numbers, then text, then booleans; runs without a
    value last either way), then by id."""
    direction = 1 if order == "asc" else -1

    def rank(run: Run) -> Optional[Tuple[int, Any]]:
        value = run.value(key)
        if value is None or (key[0] == "field" and key[1] == "tag"):
            return None
        if isinstance(value, bool):
            return (2, int(value))
        if isinstance(value, (int, float)):
            return (0, value)
        return (1, str(value))

    def compare(a: Run, b: Run) -> int:
        left, right = rank(a), rank(b)
        if left is None or right is None:
            if left is not right:
                return 1 if left is None else -1
        elif left != right:
            # Python compares str by code point, as the server's `collate "C"` does.
            return direction if left > right else -direction
        return direction if a.id > b.id else -direction if a.id < b.id else 0

    return compare


class Api:
    """Reads from a Tora server with the logging SDK's settings: `base_url` (else TORA_BASE_URL)
    and `api_key` (else TORA_API_KEY). Requests are retried while the server is unreachable for
    TORA_SETUP_TIMEOUT seconds."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None):
        self.base_url = _config.base_url(base_url)
        self.api_key = _require_key(api_key, self.base_url)

    def __repr__(self) -> str:
        return "Api(base_url=%r)" % self.base_url

    def _get(self, path: str, query: Optional[Dict[str, Any]], what: str) -> Any:
        if query:
            path += "?" + urllib.parse.urlencode(query, doseq=True)
        resp, error = _http.with_retries(
            lambda: _http.request(self.base_url, "GET", path, self.api_key), _config.setup_timeout()
        )
        if resp is None or _http.is_retryable(resp.status):
            reason = "HTTP %d" % resp.status if resp is not None else _http.describe(error) if error else "no answer"
            raise ToraConnectionError("Could not %s: %s did not answer (%s)" % (what, self.base_url, reason))
        body = resp.json()
        if 200 <= resp.status < 300 and isinstance(body, dict) and "data" in body:
            return body["data"]
        message = error_message(body, resp.text[:200] or "HTTP %d" % resp.status)
        if resp.status == 401:
            raise ToraAuthenticationError("%s rejected the API key: %s" % (self.base_url, message))
        if resp.status == 400:
            fields = (body.get("error") or {}).get("fields") if isinstance(body, dict) else None
            fields = fields if isinstance(fields, dict) else {}
            details = "".join("\n  %s: %s" % (field, m) for field, messages in fields.items() for m in messages)
            raise ToraValidationError("Could not %s: %s%s" % (what, message, details), fields)
        if resp.status == 404:
            raise ToraExperimentError("Could not %s: not found (or not visible with this API key)" % what)
        raise ToraAPIError("Could not %s: HTTP %d: %s" % (what, resp.status, message), resp.status, resp.text[:500])

    def workspaces(self) -> List[Dict[str, Any]]:
        """The workspaces the key can see ({id, name, role, member_count, personal, ...})."""
        return list(self._get("/workspaces", None, "list the workspaces"))

    def experiments(
        self,
        workspace: Optional[str] = None,
        filter: Optional[str] = None,
        sort: Optional[str] = None,
        order: Optional[str] = None,
        columns: Union[str, Iterable[str], None] = None,
        limit: Optional[int] = None,
    ) -> Runs:
        """Runs of `workspace` (an id), or of every workspace the key can see, matching `filter`
        (the run query language), sorted by any key (`sort="metric.loss.min"`, default newest
        first), at most `limit` in all. `columns` names keys whose metric summaries the runs
        should carry (`"metric.loss.min,metric.acc.max"`)."""
        if order not in (None, "asc", "desc"):
            raise ToraValidationError("order must be 'asc' or 'desc', got %r" % (order,))
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ToraValidationError("limit must be a whole number >= 0, got %r" % (limit,))
        column_text = columns if isinstance(columns, str) or columns is None else ",".join(columns)
        base: Dict[str, Any] = {}
        for name, value in (("filter", filter), ("sort", sort), ("columns", column_text)):
            if value:
                base[name] = value

        def one(workspace_id: str, direction: Optional[str]) -> Iterator[Run]:
            query = dict(base)
            if direction:
                query["order"] = direction
            read = 0
            cursor = None
            while limit is None or read < limit:
                page_size = RUNS_PAGE if limit is None else max(1, min(RUNS_PAGE, limit - read))
                page = self._get(
                    "/workspaces/%s/experiments" % _quote(workspace_id),
                    dict(query, limit=page_size, **({"cursor": cursor} if cursor else {})),
                    "list the experiments of workspace %s" % workspace_id,
                )
                for item in page["items"]:
                    read += 1
                    yield Run(self, item)
                cursor = page.get("next_cursor")
                if not cursor:
                    return

        def runs() -> Iterator[Run]:
            if workspace:
                stream: Iterator[Run] = one(workspace, order)
            else:
                key = parse_key(sort or "created")
                if key is not None and key[0] == "field" and key[1] not in _MERGEABLE_FIELDS:
                    key = None
                ids = [w["id"] for w in self.workspaces()]
                if key is None:
                    # A key the client cannot read (the creator, durations): workspace by workspace.
                    stream = itertools.chain(*(one(w, order) for w in ids))
                else:
                    # Every workspace lists in the same direction, for the merge.
                    default = "asc" if key[0] == "field" and key[1] in _ASCENDING_BY_DEFAULT else "desc"
                    direction = order or default
                    streams = [one(w, direction) for w in ids]
                    stream = heapq.merge(*streams, key=functools.cmp_to_key(_compare(key, direction)))
            return itertools.islice(stream, limit) if limit is not None else stream

        return Runs(runs)

    def experiment(self, id_or_name: str) -> Run:
        """One run, with every metric summary: by id, or by name across the visible workspaces
        (ToraExperimentError when no run or several runs have that name)."""
        if not isinstance(id_or_name, str) or not id_or_name.strip():
            raise ToraValidationError("experiment id or name must be a non-empty string")
        run_id = id_or_name.strip()
        if not _UUID.match(run_id):
            matches = list(self.experiments(filter="name = %s" % quote_text(id_or_name), limit=20))
            if not matches:
                raise ToraExperimentError("No experiment named %r is visible with this API key" % id_or_name)
            if len(matches) > 1:
                listed = "".join("\n  %s  workspace %s" % (run.id, run.workspace_id) for run in matches)
                raise ToraExperimentError("%d experiments are named %r; pass one's id:%s" % (len(matches), id_or_name, listed))
            run_id = matches[0].id
        return Run(self, self._get("/experiments/%s" % _quote(run_id), None, "read experiment %s" % run_id))

