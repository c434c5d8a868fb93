"""The server's LogEntry rules (functions/_lib/contracts/logs.ts), checked at the call site so a bad
value raises where it was logged instead of poisoning a whole batch later."""

from __future__ import annotations

import json
import math
import operator
import re
from typing import Any, Mapping, Optional, Tuple

from ._errors import ToraValidationError

NAME_PATTERN = re.compile(r"[A-Za-z0-9_\-./]+")
MAX_NAME_LENGTH = 100
MAX_STEP = 2**53 - 1  # Number.MAX_SAFE_INTEGER: the server keeps steps exact.
MAX_METADATA_BYTES = 10 * 1024

METRIC_METADATA = '{"type":"metric"}'
RESULT_METADATA = '{"type":"result"}'


def check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ToraValidationError("metric name must be a string, got %s" % type(name).__name__)
    if not name:
        raise ToraValidationError("metric name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ToraValidationError("metric name must be at most %d characters: %r" % (MAX_NAME_LENGTH, name[:120]))
    if not NAME_PATTERN.fullmatch(name):
        raise ToraValidationError(
            "metric name may contain only letters, digits and _ - . / (got %r)" % name
        )
    return name


def check_value(value: Any, name: str = "value") -> Any:
    """A finite number. bool becomes 0/1 (as in the public SDK); numpy/torch scalars become float or
    int; strings are rejected rather than parsed."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
        raise ToraValidationError("value for %r must be a finite number, got %r" % (name, value))
    if kind is int:
        return _check_int(value, name)
    if kind is bool:
        return int(value)
    if isinstance(value, (str, bytes, bytearray)) or value is None:
        raise ToraValidationError("value for %r must be a number, got %s" % (name, type(value).__name__))
    if isinstance(value, int):  # int subclasses (IntEnum ...)
        return _check_int(int(value), name)
    if _is_integer_scalar(value):  # numpy / torch integer scalars stay integers on the wire
        return _check_int(int(value), name)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ToraValidationError(
            "value for %r must be a number, got %s" % (name, type(value).__name__)
        ) from None
    if not math.isfinite(number):
        raise ToraValidationError("value for %r must be a finite number, got %r" % (name, number))
    return number


def _is_integer_scalar(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return getattr(dtype, "kind", None) in ("i", "u")


def _check_int(value: int, name: str) -> int:
    try:
        if math.isfinite(float(value)):
            return value
    except OverflowError:
        pass
    raise ToraValidationError("value for %r is too large to be a finite number" % (name,))


def check_step(step: Any) -> Optional[int]:
    """None (the server assigns the series' next step) or an integer 0 ≤ step ≤ 2**53-1.
    Integral floats (3.0) are accepted; 2.5 and bools are not."""
    if step is None:
        return None
    if type(step) is not int:
        if isinstance(step, bool):
            raise ToraValidationError("step must be an integer >= 0 or None, got a bool")
        if isinstance(step, float):
            if not step.is_integer():
                raise ToraValidationError("step must be an integer >= 0 or None, got %r" % step)
            step = int(step)
        else:
            try:
                step = operator.index(step)
            except TypeError:
                raise ToraValidationError(
                    "step must be an integer >= 0 or None, got %s" % type(step).__name__
                ) from None
    if step < 0:
        raise ToraValidationError("step must be >= 0, got %d" % step)
    if step > MAX_STEP:
        raise ToraValidationError("step must be at most 2**53-1, got %d" % step)
    return step


def encode_metadata(metadata: Optional[Mapping[str, Any]], kind: str) -> str:
    """The entry's metadata as compact JSON: the caller's keys plus `type`, at most 10 KB."""
    if metadata is None:
        return METRIC_METADATA if kind == "metric" else RESULT_METADATA
    if not isinstance(metadata, Mapping):
        raise ToraValidationError("metadata must be a dict or None, got %s" % type(metadata).__name__)
    if "type" in metadata and metadata["type"] != kind:
        raise ToraValidationError('metadata "type" must be %r here, got %r' % (kind, metadata["type"]))
    merged = dict(metadata)
    merged["type"] = kind
    try:
        text = json.dumps(merged, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ToraValidationError("metadata must be JSON-serializable with finite numbers: %s" % error) from None
    size = len(json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ToraValidationError("metadata must be at most 10 KB of JSON, got %d bytes" % size)
    return text


def check_experiment_fields(
    name: Any, hyperparams: Any, tags: Any
) -> Tuple[str, Optional[list], Optional[list]]:
    """Shape checks only; the server applies the full rules and its 400 names the field."""
    if not isinstance(name, str) or not name.strip():
        raise ToraValidationError("experiment name must be a non-empty string")
    hp_list = None
    if hyperparams:
        if isinstance(hyperparams, Mapping):
            items = list(hyperparams.items())
        elif isinstance(hyperparams, (list, tuple)) and all(
            isinstance(p, Mapping) and "key" in p and "value" in p for p in hyperparams
        ):
            items = [(p["key"], p["value"]) for p in hyperparams]
        else:
            raise ToraValidationError("hyperparams must be a dict (or a list of {key, value})")
        hp_list = []
        for key, value in items:
            if not isinstance(key, str) or not key.strip():
                raise ToraValidationError("hyperparameter keys must be non-empty strings, got %r" % (key,))
            if isinstance(value, (bool, str)):
                pass
            elif isinstance(value, (int, float)):
                if not math.isfinite(float(value)):
                    raise ToraValidationError("hyperparameter %r must be finite, got %r" % (key, value))
            else:
                try:
                    value = check_value(value, key)
                except ToraValidationError:
                    raise ToraValidationError(
                        "hyperparameter %r must be a string, number or bool, got %s" % (key, type(value).__name__)
                    ) from None
            hp_list.append({"key": key.strip(), "value": value})
    tag_list = None
    if tags:
        if isinstance(tags, str) or not isinstance(tags, (list, tuple)):
            raise ToraValidationError("tags must be a list of strings")
        tag_list = []
        for tag in tags:
            if not isinstance(tag, str) or not tag.strip():
                raise ToraValidationError("tags must be non-empty strings, got %r" % (tag,))
            tag_list.append(tag.strip())
    return name, hp_list, tag_list
