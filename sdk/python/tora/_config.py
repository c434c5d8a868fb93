"""Settings from the environment, read when they are needed (not at import), so a script or test can
set them after `import tora`."""

from __future__ import annotations

import os
from typing import Optional

from ._errors import ToraConfigurationError

DEFAULT_BASE_URL = "http://localhost:8888/api"


def base_url(explicit: Optional[str] = None) -> str:
    url = (explicit or os.environ.get("TORA_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/")
    if not (url.startswith("http://") or url.startswith("https://")):
        raise ToraConfigurationError("Tora server URL must start with http:// or https://, got %r" % url)
    return url


def api_key(explicit: Optional[str] = None) -> Optional[str]:
    key = explicit if explicit is not None else os.environ.get("TORA_API_KEY")
    return key.strip() if key and key.strip() else None


def seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ToraConfigurationError("%s must be a number of seconds, got %r" % (name, raw)) from None
    if value < 0:
        raise ToraConfigurationError("%s must be >= 0, got %r" % (name, raw))
    return value


def setup_timeout() -> float:
    return seconds("TORA_SETUP_TIMEOUT", 30.0)


def retry_timeout() -> float:
    return seconds("TORA_RETRY_TIMEOUT", 60.0)


def exit_timeout() -> float:
    return seconds("TORA_EXIT_TIMEOUT", 10.0)


def spool_dir(explicit: Optional[str] = None) -> str:
    return explicit or os.environ.get("TORA_SPOOL_DIR") or os.path.join(os.path.expanduser("~"), ".tora", "spool")
