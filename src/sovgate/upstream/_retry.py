"""How long a provider asked us to wait: its Retry-After, read from an error answer's headers.

Providers that rate-limit (429) or shed load (503, Anthropic's 529) say when to come back:
OpenAI in `retry-after-ms` (milliseconds, read first by the OpenAI SDKs) and `retry-after`,
most others in `retry-after` alone, as delay-seconds or an HTTP-date (RFC 9110, 10.2.3).
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping

# A wait longer than a day is not a rate limit a client should sleep through; beyond it the
# value is read as "a day" rather than trusted (or dropped, which would invite a retry at once).
MAX_WAIT_S = 86_400.0


def retry_after_s(headers: Mapping[bytes, bytes], now: float | None = None) -> float | None:
    """Seconds to wait (0 to MAX_WAIT_S), or None when the answer names no usable wait.

    `headers` are lower-cased names, as the upstream client keeps them; `now` (Unix time) is for
    an HTTP-date and defaults to the clock."""
    ms = headers.get(b"retry-after-ms")
    if ms is not None:
        wait = _number(ms)
        if wait is not None:
            return _clamp(wait / 1000)
    value = headers.get(b"retry-after")
    if value is None:
        return None
    wait = _number(value)
    if wait is not None:
        return _clamp(wait)
    try:
        when = email.utils.parsedate_to_datetime(value.decode("latin-1").strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is in GMT; one with "-0000" says nothing of its zone
        return None
    return _clamp(when.timestamp() - (time.time() if now is None else now))


def _number(raw: bytes) -> float | None:
    try:
        wait = float(raw.strip())
    except ValueError:
        return None
    return wait if math.isfinite(wait) and wait >= 0 else None


def _clamp(wait: float) -> float:
    return min(max(wait, 0.0), MAX_WAIT_S)
