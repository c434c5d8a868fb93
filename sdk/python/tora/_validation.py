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
# The server's lengths (code points, as len counts) for experiment fields; tests/support/rule-cases.json
# keeps them in step with the server.
MAX_EXPERIMENT_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 10_000
MAX_TAG_LENGTH = 50
MAX_HYPERPARAM_KEY_LENGTH = 100
MAX_HYPERPARAM_VALUE_LENGTH = 1000
MAX_PROJECT_NAME_LENGTH = 100

METRIC_METADATA = '{"type":"metric"}'
RESULT_METADATA = '{"type":"result"}'


# The server's rules for labels and free text (functions/_lib/contracts/common.ts): a one-line label
# (experiment or workspace name, tag, hyperparameter key) holds no control characters (C0, DEL, C1),
# line separators or bidi overrides; free text (description, string hyperparameter value) keeps tabs
# and line breaks (LF or CRLF) and nothing else of the kind.
LABEL_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")

# What JavaScript's String.prototype.trim removes, which is what the server trims labels with.
# Python's str.strip() removes more (U+001C-U+001F, U+0085), which the server refuses instead.
JS_WHITESPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(value: str) -> str:
    return value.strip(JS_WHITESPACE)


def label_problem(value: str) -> Optional[str]:
    """Why the server would refuse `value` (once trimmed) as a one-line label, or None."""
    bad = LABEL_FORBIDDEN.search(js_trim(value))
    if bad is None:
        return None
    return "must not contain control characters, line separators or bidi overrides (found U+%04X)" % ord(bad.group())


def text_problem(value: str) -> Optional[str]:
    """Why the server would refuse `value` as free text, or None."""
    bad = TEXT_FORBIDDEN.search(value)
    if bad is None:
        return None
    return "must not contain control characters other than tab and line breaks (found U+%04X)" % ord(bad.group())


def _check_length(what: str, value: str, max_length: Optional[int]) -> None:
    if max_length is not None and len(value) > max_length:
        raise ToraValidationError("%s must be at most %d characters" % (what, max_length))


def check_label(what: str, value: str, max_length: Optional[int] = None) -> str:
    """The label trimmed as the server trims it; raises naming the field and the character."""
    problem = label_problem(value)
    if problem:
        raise ToraValidationError("%s %s: %r" % (what, problem, value[:120]))
    trimmed = js_trim(value)
    _check_length(what, trimmed, max_length)
    return trimmed


def check_text(what: str, value: str, max_length: Optional[int] = None) -> str:
    _check_length(what, value, max_length)
    problem = text_problem(value)
    if problem:
        raise ToraValidationError("%s %s" % (what, problem))
    return value


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
    name: Any, hyperparams: Any, tags: Any, description: Any = None
) -> Tuple[str, Optional[list], Optional[list]]:
    """Shape checks and the character rules; the server applies the full rules and its 400 names the field."""
    if not isinstance(name, str) or not js_trim(name):
        raise ToraValidationError("experiment name must be a non-empty string")
    check_label("experiment name", name, MAX_EXPERIMENT_NAME_LENGTH)
    if isinstance(description, str):
        check_text("description", description, MAX_DESCRIPTION_LENGTH)
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
            if not isinstance(key, str) or not js_trim(key):
                raise ToraValidationError("hyperparameter keys must be non-empty strings, got %r" % (key,))
            key = check_label("hyperparameter key", key, MAX_HYPERPARAM_KEY_LENGTH)
            if isinstance(value, str):
                check_text("hyperparameter %r" % key, value, MAX_HYPERPARAM_VALUE_LENGTH)
            elif isinstance(value, bool):
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
            hp_list.append({"key": key, "value": value})
    tag_list = None
    if tags:
        if isinstance(tags, str) or not isinstance(tags, (list, tuple)):
            raise ToraValidationError("tags must be a list of strings")
        tag_list = []
        for tag in tags:
            if not isinstance(tag, str) or not js_trim(tag):
                raise ToraValidationError("tags must be non-empty strings, got %r" % (tag,))
            tag_list.append(check_label("tag", tag, MAX_TAG_LENGTH))
    return name, hp_list, tag_list


def check_project(project: Any) -> Optional[str]:
    """A project name as the server takes it (a one-line label, trimmed), or None for no project."""
    if project is None:
        return None
    if not isinstance(project, str) or not js_trim(project):
        raise ToraValidationError("project must be a non-empty string or None, got %r" % (project,))
    return check_label("project name", project, MAX_PROJECT_NAME_LENGTH)
