"""Exception classes. Names match the public `tora` 0.0.12 SDK so `except` clauses keep working."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional


class ToraError(Exception):
    """Base class of every error this SDK raises."""


class ToraConfigurationError(ToraError):
    """Something needed to talk to the server is missing or malformed (URL, API key)."""


class ToraValidationError(ToraError, ValueError):
    """A value was rejected, at the call site or by the server (400). The message names the rule."""

    def __init__(self, message: str, fields: Optional[Dict[str, List[str]]] = None):
        super().__init__(message)
        self.fields = fields or {}


class ToraAuthenticationError(ToraError):
    """The server rejected the API key (401), or none was given."""


class ToraNetworkError(ToraError):
    """An HTTP exchange failed. `status_code` is None when no response arrived."""

    def __init__(self, message: str, status_code: Optional[int] = None, response_text: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.response_text = response_text


class ToraConnectionError(ToraNetworkError, ConnectionError):
    """The server could not be reached within the retry budget."""


class ToraTimeoutError(ToraNetworkError):
    """The server did not answer in time."""


class ToraAPIError(ToraNetworkError):
    """The server answered with an unexpected status (403, 5xx, ...) or body."""


class ToraExperimentError(ToraError):
    """The experiment does not exist or is not visible with this API key (404)."""


class ToraMetricError(ToraError):
    """Logging to a client that has been shut down."""


class ToraWorkspaceError(ToraError):
    """A workspace operation failed."""


# C0 controls, DEL, C1 controls and the bidi embedding/override/isolate characters: a terminal acts on
# them (retitles itself, writes the clipboard, draws fake links) or they make one text read as another.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe to print: every unprintable character becomes a visible escape (`\\x1b`)."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def error_message(body: Any, fallback: str) -> str:
    """The server's own message from an error envelope, with per-field details when present.

    It ends up on the user's terminal (exceptions, warnings, `python -m tora sync`), so whatever
    the server sent is made printable first."""
    return printable(_raw_error_message(body, fallback))


def _raw_error_message(body: Any, fallback: str) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        message = str(err.get("message") or fallback)
        fields = err.get("fields")
        if isinstance(fields, dict) and fields:
            details = "; ".join(
                "%s: %s" % (k, ", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in list(fields.items())[:10]
            )
            message = "%s (%s)" % (message, details)
        return message
    return fallback
