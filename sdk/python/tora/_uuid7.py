"""UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then 12 bits of sub-millisecond time, then 62 random
bits. Ids made later sort later, so the server's msg_id index grows at its right edge instead of
splitting random pages the way uuid4 does."""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last = 0


def uuid7_int() -> int:
    global _last
    ns = time.time_ns()
    ms, rest = divmod(ns, 1_000_000)
    sub_ms = rest * 4096 // 1_000_000
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (sub_ms << 64) | (0b10 << 62) | rand
    with _lock:
        # The clock can step back or repeat within a sub-millisecond tick: keep ids strictly
        # increasing within the process by bumping the random tail of the previous id.
        if value <= _last:
            value = _last + 1
        _last = value
    return value


def uuid7() -> str:
    h = "%032x" % uuid7_int()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
