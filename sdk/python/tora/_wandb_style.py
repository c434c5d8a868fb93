"""The W&B-style API: `tora.init()`, `tora.log()`, `tora.config`, `tora.summary`, `tora.finish()`,
so a training script written for the common subset of `wandb` runs with `import tora as wandb`.

    run = tora.init(project="vision", config={"lr": 3e-4}, tags=["baseline"])
    for step in range(100):
        tora.log({"train/loss": loss})          # step 0, 1, 2 ... as W&B counts them
    run.summary["best_acc"] = 0.93              # a result
    tora.finish()

It is a layer over the `Tora` client: the same sender, spool, console and system capture,
heartbeats and exit handling. What maps where:

- `project` → the experiment's project (by name, created on first use); `name` → its name
  (default `<script>-<date>-<time>`); `tags` → tags; `notes` → its markdown notes;
  `config` → hyperparameters (nested dicts as dotted keys); `group` and `job_type` → the
  hyperparameters `group` and `job_type` (so runs can be filtered, and grouped on the compare
  page, by `hp.group`), unless the config has keys of those names;
- `log(dict, step=None, commit=None)` → one point per key at the run's step, counted as W&B
  counts it; `summary[key] = number` → a result; `finish(exit_code)` → status `finished`, or
  `failed` for a non-zero code (and for an exception leaving `with tora.init(...)`);
- `entity` → the workspace (its id, or its name among the key's workspaces);
  `mode="disabled"` → a run that sends nothing.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _client as _client_module
from . import _config, _wrapper
from ._client import Tora, _call, _require_key
from ._errors import ToraError, ToraValidationError, ToraWorkspaceError
from ._run_updates import RunUpdates
from ._run_values import Config, NoRun, Summary, as_dict, flatten, hyperparams, series_name
from ._validation import MAX_EXPERIMENT_NAME_LENGTH, MAX_TAG_LENGTH, check_label, check_step, check_text, check_value

logger = logging.getLogger("tora")

MAX_NOTES_LENGTH = 100_000  # the server's limit on markdown notes
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Keyword arguments of the `Tora` client that `init` passes on.
_TORA_OPTIONS = frozenset(
    (
        "workspace_id",
        "description",
        "api_key",
        "server_url",
        "setup_timeout",
        "retry_timeout",
        "spool_dir",
        "heartbeat",
        "heartbeat_interval",
        "capture_context",
        "capture_git",
        "capture_env",
        "capture_packages",
        "capture_console",
        "system_metrics_interval",
    )
)
# W&B arguments about W&B's own machinery, which have nothing to do here.
_IGNORED_WANDB_OPTIONS = frozenset(("dir", "save_code", "anonymous", "force", "allow_val_change", "settings", "magic"))
# W&B arguments asking for something Tora does not do: accepted, with a warning saying so.
_UNSUPPORTED_WANDB_OPTIONS = {
    "resume": "resuming a W&B run is not supported: a new experiment is created",
    "id": "W&B run ids are not used: a new experiment is created",
    "sync_tensorboard": "TensorBoard syncing is not supported: log with tora.log() (or import the event files later)",
    "monitor_gym": "gym video monitoring is not supported",
}


class WandbStyleRun:
    """The run `tora.init()` returns, with W&B's run surface: `log`, `config`, `summary`,
    `finish`, `id`, `name`, `url`, `project`, `group`, `job_type`, `tags`, `notes`, `step`, and
    use as a context manager. `client` is the underlying `Tora` client (None when disabled)."""

    def __init__(
        self,
        client: Optional[Tora],
        name: str,
        project: Optional[str],
        group: Optional[str],
        job_type: Optional[str],
        tags: Sequence[str],
        notes: Optional[str],
        config: Mapping[str, Any],
        updates: Optional[RunUpdates],
    ):
        self.client = client
        self._name = name
        self.project = project
        self.group = group
        self.job_type = job_type
        self._tags = tuple(tags)
        self._notes = notes
        self._updates = updates
        self._lock = threading.Lock()
        self._step = 0
        self._names: Dict[str, Optional[str]] = {}  # W&B key → series name (None: unusable)
        self._warned: set = set()
        self._finished = False
        self._grouping = {"group": group, "job_type": job_type}
        self.config = Config(config, self._config_changed)
        self.summary = Summary(self._summary_set)

    # -- identity ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The experiment id ("" for a disabled run)."""
        return self.client.experiment_id if self.client is not None else ""

    @property
    def url(self) -> Optional[str]:
        return self.client.url if self.client is not None else None

    def get_url(self) -> Optional[str]:
        return self.url

    @property
    def step(self) -> int:
        """The step the next `log()` without `step=` writes to."""
        return self._step

    @property
    def disabled(self) -> bool:
        return self.client is None

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if not isinstance(value, str):
            raise ToraValidationError("run name must be a string")
        self._name = check_label("experiment name", value, MAX_EXPERIMENT_NAME_LENGTH)
        self._update("name", self._name)

    @property
    def tags(self) -> tuple:
        return self._tags

    @tags.setter
    def tags(self, values: Sequence[str]) -> None:
        self._tags = tuple(_check_tags(values))
        self._update("tags", list(self._tags))

    @property
    def notes(self) -> Optional[str]:
        return self._notes

    @notes.setter
    def notes(self, value: Optional[str]) -> None:
        self._notes = _check_notes(value)
        self._update("notes", self._notes)

    def _update(self, field: str, value: Any) -> None:
        if self._updates is not None:
            self._updates.set(field, value)

    def _config_changed(self, values: Dict[str, Any]) -> None:
        entries = hyperparams(values, self._grouping)  # raises before the config changes
        self._update("hyperparams", entries)

    # -- logging -----------------------------------------------------------------------------

    def log(self, data: Mapping[str, Any], step: Optional[int] = None, commit: Optional[bool] = None, sync: Optional[bool] = None) -> None:
        """Log a dict of values at one step. Without `step`, at the run's step, which then moves
        on (unless `commit=False`); with `step`, at that step, which becomes the run's step if it
        is further on (and is left by the next log without `step` only after it, or at once with
        `commit=True`). Nested dicts become dotted names; a key is made a valid series name
        (other characters → `_`); values Tora cannot store (text, media, NaN) are skipped with
        one warning per key. Never waits for the network."""
        if not isinstance(data, Mapping):
            raise ToraValidationError("log() takes a dict of name -> value, got %s" % type(data).__name__)
        if self._finished:
            raise ToraError("this run has finished; call tora.init() to start another")
        with self._lock:
            if step is None:
                at = self._step
                advance = commit is not False
            else:
                at = check_step(step)
                if at is None:
                    raise ToraValidationError("step must be an integer >= 0")
                self._step = max(self._step, at)
                advance = commit is True
            if advance:
                self._step = max(self._step, at + 1)
        summary = self.summary
        for key, value in flatten(data):
            summary._note_logged(key, value)
            name = self._series_name(key)
            if name is None:
                continue
            try:
                number = check_value(value, key)
            except ToraValidationError:
                self._warn_once(("value", key), "tora: %r: only finite numbers are logged; %s values are skipped" % (key, _kind(value)))
                continue
            if self.client is not None:
                self.client.metric(name, number, at)

    def _series_name(self, key: str) -> Optional[str]:
        name = self._names.get(key, "")
        if name != "":
            return name
        name = series_name(key) if isinstance(key, str) else None
        if name is None:
            logger.warning("tora: %r cannot be a series name; its values are skipped", key)
        elif name != key:
            logger.warning("tora: %r is logged as %r (names hold only letters, digits and _ - . /)", key, name)
        if len(self._names) < 10_000:
            self._names[key] = name
        return name

    def _warn_once(self, what: Any, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            logger.warning(message)

    def _summary_set(self, key: str, value: Any) -> None:
        values = flatten(value, key + ".") if isinstance(value, Mapping) and value else [(key, value)]
        for name_key, item in values:
            name = self._series_name(name_key)
            if name is None:
                continue
            try:
                number = check_value(item, name_key)
            except ToraValidationError:
                self._warn_once(
                    ("summary", name_key),
                    "tora: summary %r: only numbers become results; this %s is kept in run.summary only" % (name_key, _kind(item)),
                )
                continue
            if self.client is not None and not self._finished:
                self.client.result(name, number)

    def define_metric(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Accepted for W&B scripts and ignored: every series is summarised (first, last, min,
        max) and can be plotted against any other metric in Tora anyway."""

    def watch(self, *args: Any, **kwargs: Any) -> None:
        """Accepted for W&B scripts and ignored: Tora does not log gradients or parameters."""
        self._warn_once("watch", "tora: watch() is ignored: gradients and parameters are not logged")

    def unwatch(self, *args: Any, **kwargs: Any) -> None:
        """Ignored, as watch() is."""

    # -- the end -----------------------------------------------------------------------------

    def finish(self, exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
        """Send what is queued (config changes, points, results), then mark the run `finished`,
        or `failed` when `exit_code` is not 0. Idempotent. Waits at most TORA_EXIT_TIMEOUT s
        (plus up to 5 s for the status); what is left is spooled as with `Tora.shutdown()`."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        try:
            deadline = time.monotonic() + _config.exit_timeout()
            if self._updates is not None:
                self._updates.close(_config.exit_timeout())
            if self.client is not None:
                status = "failed" if exit_code else "finished"
                self.client.shutdown(status=status, timeout=max(0.0, deadline - time.monotonic()))
        finally:
            _forget(self)

    def __enter__(self) -> "WandbStyleRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.finish(exit_code=0 if exc_type is None else 1)
        return False

    def __repr__(self) -> str:
        return "WandbStyleRun(id=%r, name=%r, project=%r)" % (self.id, self._name, self.project)


# -- the process's runs ------------------------------------------------------------------------

_lock = threading.RLock()
_open: List[WandbStyleRun] = []
_exit_hook_installed = False


def current() -> Optional[WandbStyleRun]:
    """`tora.run`: the newest open run, or None."""
    with _lock:
        return _open[-1] if _open else None


def module_attribute(name: str) -> Any:
    """`tora.run`, `tora.config` and `tora.summary`, which follow the current run."""
    run = current()
    if name == "run":
        return run
    if run is None:
        return NoRun(name)
    return getattr(run, name)


def _forget(run: WandbStyleRun) -> None:
    with _lock:
        if run in _open:
            _open.remove(run)
    with _wrapper._lock:
        if run.client is not None and _wrapper._client is run.client:
            _wrapper._client = None


def _remember(run: WandbStyleRun) -> None:
    global _exit_hook_installed
    with _lock:
        _open.append(run)
        install = not _exit_hook_installed
        _exit_hook_installed = True
    if install:
        # Registered after the first client's own hook, so it runs before it: the config changes
        # and the status go out together, in that order.
        atexit.register(_finish_at_exit)
    if run.client is not None:
        # tora.tmetric()/tresult() log to this run too when no tora.setup() run is open.
        with _wrapper._lock:
            if _wrapper._client is None or _wrapper._client.is_closed:
                _wrapper._client = run.client


def _finish_at_exit() -> None:
    exit_code = 1 if _client_module._crashed else 0
    with _lock:
        runs = list(_open)
    for run in reversed(runs):
        try:
            run.finish(exit_code=exit_code)
        except Exception:
            logger.exception("tora: error while finishing run %s", run.id)


# -- init ----------------------------------------------------------------------------------------


def init(
    project: Optional[str] = None,
    name: Optional[str] = None,
    config: Any = None,
    tags: Optional[Sequence[str]] = None,
    notes: Optional[str] = None,
    group: Optional[str] = None,
    job_type: Optional[str] = None,
    entity: Optional[str] = None,
    reinit: Any = None,
    mode: Optional[str] = None,
    config_exclude_keys: Optional[Sequence[str]] = None,
    config_include_keys: Optional[Sequence[str]] = None,
    **options: Any,
) -> WandbStyleRun:
    """Start a run (an experiment) and make it the current one (`tora.run`, `tora.config`,
    `tora.summary`). See the module's docstring for what maps where.

    `reinit`: while a run is open, another init returns it (W&B's default in scripts);
    `reinit=True` or "finish_previous" finishes it first, "create_new" starts another beside it.
    `options`: the `Tora` client's keyword arguments (workspace_id, description, api_key,
    server_url, setup_timeout, retry_timeout, spool_dir, heartbeat, heartbeat_interval and the
    capture switches). W&B's `dir`, `save_code`, `anonymous`, `force`, `allow_val_change`,
    `settings` and `magic` are accepted and ignored; `resume`, `id`, `sync_tensorboard` and
    `monitor_gym` are accepted with a warning that Tora does not do that."""
    for key in list(options):
        if key in _IGNORED_WANDB_OPTIONS:
            del options[key]
        elif key in _UNSUPPORTED_WANDB_OPTIONS:
            value = options.pop(key)
            if value not in (None, False):
                logger.warning("tora: %s", _UNSUPPORTED_WANDB_OPTIONS[key])
        elif key not in _TORA_OPTIONS:
            raise TypeError("init() got an unexpected keyword argument %r" % key)
    if mode not in (None, "online", "disabled"):
        raise ToraValidationError("mode must be 'online' or 'disabled', got %r (Tora has no offline mode)" % (mode,))

    previous = current()
    if previous is not None:
        if reinit in (None, False, "default", "return_previous"):
            logger.warning("tora: init() while run %s is open returns that run (reinit=True starts another)", previous.name)
            return previous
        if reinit in (True, "finish_previous"):
            previous.finish()
        elif reinit != "create_new":
            raise ToraValidationError("reinit must be a bool, 'return_previous', 'finish_previous' or 'create_new', got %r" % (reinit,))

    values = _select(as_dict(config, "config"), config_include_keys, config_exclude_keys)
    tag_list = _check_tags(tags or ())
    notes = _check_notes(notes)
    grouping = {"group": _grouping_value("group", group), "job_type": _grouping_value("job_type", job_type)}
    entries = hyperparams(values, grouping)
    run_name = name if name is not None else _default_name()

    if mode == "disabled":
        run = WandbStyleRun(None, run_name, project, group, job_type, tag_list, notes, values, None)
        _remember(run)
        return run

    workspace_id = options.pop("workspace_id", None)
    if entity is not None and workspace_id is None:
        workspace_id = _workspace_for(entity, options.get("server_url"), options.get("api_key"), options.get("setup_timeout"))
    client = Tora.create_experiment(
        run_name,
        workspace_id=workspace_id,
        hyperparams=entries,
        tags=tag_list,
        project=project,
        **options,
    )
    try:
        if notes:
            _call(
                client._base_url,
                client._api_key,
                "PATCH",
                "/experiments/%s" % client.experiment_id,
                {"notes": notes},
                options.get("setup_timeout"),
                "save the run's notes",
            )
        updates = RunUpdates(client.experiment_id, client._base_url, client._api_key, client._sender.retry_timeout)
    except BaseException:
        client.shutdown(status="failed")
        raise
    run = WandbStyleRun(client, client.name or run_name, client.project or project, group, job_type, tag_list, notes, values, updates)
    _remember(run)
    print("Tora experiment: %s" % client.url, flush=True)
    return run


def _select(values: Dict[str, Any], include: Optional[Sequence[str]], exclude: Optional[Sequence[str]]) -> Dict[str, Any]:
    if include is not None and exclude is not None:
        raise ToraValidationError("give config_include_keys or config_exclude_keys, not both")
    if include is not None:
        return {k: v for k, v in values.items() if k in set(include)}
    if exclude is not None:
        return {k: v for k, v in values.items() if k not in set(exclude)}
    return values


def _check_tags(tags: Any) -> List[str]:
    if isinstance(tags, str) or not isinstance(tags, (list, tuple, set, frozenset)):
        raise ToraValidationError("tags must be a list of strings, got %s" % type(tags).__name__)
    out = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise ToraValidationError("tags must be non-empty strings, got %r" % (tag,))
        out.append(check_label("tag", tag, MAX_TAG_LENGTH))
    return out


def _check_notes(notes: Any) -> Optional[str]:
    if notes is None:
        return None
    if not isinstance(notes, str):
        raise ToraValidationError("notes must be a string, got %s" % type(notes).__name__)
    return check_text("notes", notes, MAX_NOTES_LENGTH)


def _grouping_value(what: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ToraValidationError("%s must be a non-empty string, got %r" % (what, value))
    return value


def _default_name() -> str:
    """W&B makes up a name; Tora needs one: the script's name and the start time."""
    script = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else ""))[0]
    if not script or script.startswith("-"):
        script = "run"
    return "%s-%s" % (script[:200], time.strftime("%Y%m%d-%H%M%S"))


def _workspace_for(entity: str, server_url: Optional[str], api_key: Optional[str], budget: Optional[float]) -> str:
    """A W&B entity as a workspace: its id, or the name of one of the key's workspaces."""
    if not isinstance(entity, str) or not entity.strip():
        raise ToraWorkspaceError("entity must be a workspace id or name, got %r" % (entity,))
    if _UUID.match(entity.strip()):
        return entity.strip()
    base_url = _config.base_url(server_url)
    workspaces = _call(base_url, _require_key(api_key, base_url), "GET", "/workspaces", None, budget, "list the workspaces")
    matches = [w["id"] for w in workspaces if w.get("name") == entity]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted(repr(w.get("name")) for w in workspaces))
    if not matches:
        raise ToraWorkspaceError("no workspace named %r is visible with this API key (there are: %s)" % (entity, names))
    raise ToraWorkspaceError("%d workspaces are named %r; pass the id as entity= or workspace_id=" % (len(matches), entity))


# -- module-level calls on the current run ------------------------------------------------------


def _require(what: str) -> WandbStyleRun:
    run = current()
    if run is None:
        raise ToraError("call tora.init() before tora.%s()" % what)
    return run


def log(data: Mapping[str, Any], step: Optional[int] = None, commit: Optional[bool] = None, sync: Optional[bool] = None) -> None:
    """`tora.run.log(...)`: see WandbStyleRun.log."""
    _require("log").log(data, step=step, commit=commit)


def finish(exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
    """Finish the current run (nothing when there is none): see WandbStyleRun.finish."""
    run = current()
    if run is not None:
        run.finish(exit_code=exit_code)


def define_metric(name: str, *args: Any, **kwargs: Any) -> None:
    """Accepted for W&B scripts and ignored (see WandbStyleRun.define_metric)."""
    _require("define_metric")


def watch(*args: Any, **kwargs: Any) -> None:
    """Accepted for W&B scripts and ignored (see WandbStyleRun.watch)."""
    _require("watch").watch()


def unwatch(*args: Any, **kwargs: Any) -> None:
    """Ignored, as watch() is."""


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return "non-finite"
    return type(value).__name__
