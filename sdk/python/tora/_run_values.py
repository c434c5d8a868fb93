"""The values of the W&B-style surface (`tora.init`): a run's `config` (which becomes the
experiment's hyperparameters) and `summary` (whose numbers become results), and the conversions
from what a W&B script logs to what Tora stores.

W&B accepts anything JSON-like; Tora stores finite numbers in series and results, and numbers,
booleans and strings as hyperparameters. What does not fit is converted where that loses nothing
a reader needs (a nested dict becomes dotted keys, a list its JSON text) and skipped with one
warning otherwise, so a training script written for W&B is never stopped by a value it logs."""

from __future__ import annotations

import argparse
import json
import math
import re
import threading
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from ._errors import ToraError, ToraValidationError
from ._validation import (
    MAX_HYPERPARAM_KEY_LENGTH,
    MAX_HYPERPARAM_VALUE_LENGTH,
    MAX_NAME_LENGTH,
    check_label,
    js_trim,
    text_problem,
)

MAX_HYPERPARAMS = 500  # the server's limit (functions/_lib/contracts/rules.ts)
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_\-./]")


def flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """Nested dicts as dotted keys, the way W&B shows them: {"opt": {"lr": 1}} → ("opt.lr", 1)."""
    for key, value in values.items():
        name = "%s%s" % (prefix, key)
        if isinstance(value, Mapping) and value:
            yield from flatten(value, name + ".")
        else:
            yield name, value


def as_dict(values: Any, what: str) -> Dict[str, Any]:
    """A dict from what W&B takes as config: a mapping or an argparse.Namespace."""
    if values is None:
        return {}
    if isinstance(values, argparse.Namespace):
        return dict(vars(values))
    if isinstance(values, Mapping):
        return dict(values)
    raise ToraValidationError("%s must be a dict or an argparse.Namespace, got %s" % (what, type(values).__name__))


def series_name(key: str) -> Optional[str]:
    """A W&B key as a Tora series or result name: characters Tora does not allow in names become
    `_`, cut at 100 characters. None for an empty key."""
    name = _NOT_IN_NAMES.sub("_", key)[:MAX_NAME_LENGTH]
    return name or None


def hyperparam_value(value: Any) -> Any:
    """A config value as a hyperparameter: numbers, booleans and strings as they are; anything
    else as its JSON text (`None` → "null", a list → "[1, 2]"), or its str() if it has none. A
    non-finite number becomes its text ("nan", "inf"). Text is cut at the server's 1,000
    characters and control characters it refuses are escaped."""
    if isinstance(value, bool):
        return value
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind == "b" and getattr(value, "ndim", 0) == 0:
        return bool(value)  # a numpy bool
    if isinstance(value, int) or (kind in ("i", "u") and getattr(value, "ndim", 0) == 0):
        number = int(value)
        return number if abs(number) < 2**1023 else str(number)  # JSON numbers past that are Infinity
    if isinstance(value, float) or (kind == "f" and getattr(value, "ndim", 0) == 0):
        number = float(value)
        return number if math.isfinite(number) else repr(number)
    if not isinstance(value, str):
        try:
            value = json.dumps(value, ensure_ascii=False, allow_nan=True)
        except (TypeError, ValueError):
            value = str(value)
    if text_problem(value):
        value = json.dumps(value, ensure_ascii=False)[1:-1]
    return value[:MAX_HYPERPARAM_VALUE_LENGTH]


def hyperparams(config: Mapping[str, Any], extra: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The config flattened into the server's `[{key, value}]`, then `extra` (group, job_type)
    for keys the config does not hold. Raises ToraValidationError for a key the server would
    refuse, or more than 500 entries."""
    out: List[Dict[str, Any]] = []
    seen = set()
    given = [(k, v) for k, v in extra.items() if v is not None]
    for key, value in list(flatten(config)) + given:
        if not isinstance(key, str) or not js_trim(key):
            raise ToraValidationError("config keys must be non-empty strings, got %r" % (key,))
        key = check_label("config key", key, MAX_HYPERPARAM_KEY_LENGTH)
        if key in seen:
            continue
        seen.add(key)
        out.append({"key": key, "value": hyperparam_value(value)})
    if len(out) > MAX_HYPERPARAMS:
        raise ToraValidationError("a run holds at most %d config values (flattened), got %d" % (MAX_HYPERPARAMS, len(out)))
    return out


class Config:
    """`run.config` / `tora.config`, like W&B's: attribute and item access, `update()`,
    `setdefaults()`, `keys()`/`items()`/`get()`, `as_dict()`. Every change is checked first (a
    key the server would refuse raises and leaves the config as it was), then handed to
    `on_change` with the whole config, which the run sends as the experiment's hyperparameters.
    Unlike W&B, a value may be changed without `allow_val_change`. Changes made inside a nested
    dict after it was set are not seen: set the key again."""

    def __init__(self, values: Optional[Mapping[str, Any]] = None, on_change: Optional[Callable[[Dict[str, Any]], None]] = None):
        object.__setattr__(self, "_items", dict(values or {}))
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_lock", threading.RLock())

    def _apply(self, changes: Dict[str, Any], only_new: bool = False) -> None:
        with self._lock:
            merged = dict(self._items)
            for key, value in changes.items():
                if not isinstance(key, str):
                    raise ToraValidationError("config keys must be strings, got %r" % (key,))
                if only_new and key in merged:
                    continue
                merged[key] = value
            if merged == self._items:
                return
            if self._on_change is not None:
                self._on_change(merged)  # raises for what the server would refuse
            object.__setattr__(self, "_items", merged)

    def update(self, values: Any, allow_val_change: Optional[bool] = None) -> None:
        """Add or change keys (a dict or an argparse.Namespace). `allow_val_change` is accepted
        for W&B scripts; changing a value is always allowed."""
        self._apply(as_dict(values, "config.update()"))

    def setdefaults(self, values: Any) -> None:
        """Add the keys that are not set yet; keep the others."""
        self._apply(as_dict(values, "config.setdefaults()"), only_new=True)

    def __setitem__(self, key: str, value: Any) -> None:
        self._apply({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        self._apply({key: value})

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError("config has no key %r" % key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def keys(self):
        return self._items.keys()

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._items)

    def __repr__(self) -> str:
        return "Config(%r)" % (self._items,)


class Summary:
    """`run.summary` / `tora.summary`, like W&B's: by default each key's last logged value;
    setting a key (item, attribute or `update()`) overrides it and, for a number, logs a Tora
    result of that name (the newest wins). Other values are kept here only, with one warning."""

    def __init__(self, on_set: Callable[[str, Any], None]):
        object.__setattr__(self, "_set", {})
        object.__setattr__(self, "_logged", {})
        object.__setattr__(self, "_on_set", on_set)

    def _note_logged(self, key: str, value: Any) -> None:
        self._logged[key] = value

    def _merged(self) -> Dict[str, Any]:
        merged = dict(self._logged)
        merged.update(self._set)
        return merged

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key:
            raise ToraValidationError("summary keys must be non-empty strings, got %r" % (key,))
        self._set[key] = value
        self._on_set(key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def update(self, values: Mapping[str, Any]) -> None:
        for key, value in as_dict(values, "summary.update()").items():
            self[key] = value

    def __getitem__(self, key: str) -> Any:
        if key in self._set:
            return self._set[key]
        return self._logged[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError("summary has no key %r" % key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._set or key in self._logged

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def keys(self):
        return self._merged().keys()

    def items(self):
        return self._merged().items()

    def values(self):
        return self._merged().values()

    def as_dict(self) -> Dict[str, Any]:
        return self._merged()

    def __repr__(self) -> str:
        return "Summary(%r)" % (self._merged(),)


class NoRun:
    """What `tora.config` and `tora.summary` are while no run is open: any use says to call
    `tora.init()` first (as W&B does), instead of failing later with an unrelated error."""

    def __init__(self, what: str):
        object.__setattr__(self, "_what", what)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ToraError("tora.%s: no run is open; call tora.init() first" % self._what)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self._fail()

    __setattr__ = __getitem__ = __setitem__ = __contains__ = __iter__ = __len__ = _fail

    def __repr__(self) -> str:
        return "<tora.%s: no run; call tora.init() first>" % self._what
