"""Passive health per provider: a circuit breaker fed by the outcome of real requests.

closed --N consecutive failures--> open --cool-down elapsed--> half-open
half-open --success--> closed;  half-open --failure--> open again.
A refusal that names its wait (429 with Retry-After) opens it at once, for that wait.

While open a provider is tried last, never skipped: when every eligible provider
is down we would rather try a tripped one than refuse (fail closed still holds,
since only eligible providers are ever candidates).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping

Health = Mapping[str, "BreakerState"]
"""A snapshot: provider id -> state (absent means closed)."""


class BreakerState(enum.IntEnum):
    # ordered by preference: the router sorts candidates by this value
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class Breaker:
    """The breaker of one provider. Not thread-safe; lives on one event loop."""

    __slots__ = ("_clock", "cooldown_s", "failures", "opened_at", "threshold")

    def __init__(
        self, threshold: int = 3, cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self.opened_at >= self.cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def success(self) -> bool:
        """Record a success; True when that closed an open (or half-open) circuit."""
        was_open = self.opened_at is not None
        self.failures = 0
        self.opened_at = None
        return was_open

    def failure(self) -> bool:
        """Record a failure; True when that opened the circuit (or restarted its cool-down)."""
        self.failures += 1
        if self.opened_at is not None:
            # a failed half-open probe (or a failure while open) restarts the cool-down
            self.opened_at = self._clock()
            return True
        if self.failures >= self.threshold:
            self.opened_at = self._clock()
            return True
        return False

    def hold(self, wait_s: float) -> bool:
        """Record a refusal that named its wait (a 429's Retry-After): open for `wait_s` instead of
        the cool-down, then half-open. True when that opened the circuit."""
        was_open = self.state is BreakerState.OPEN
        self.failures += 1
        self.open_for(wait_s)
        return not was_open and self.state is BreakerState.OPEN

    def open_left(self) -> float | None:
        """Seconds until an open circuit goes half-open (None when closed or half-open already)."""
        if self.opened_at is None:
            return None
        left = self.opened_at + self.cooldown_s - self._clock()
        return left if left > 0 else None

    def open_for(self, wait_s: float) -> None:
        """Open for `wait_s` from now, then half-open (as if it had opened a cool-down before the
        end of the wait)."""
        self.opened_at = self._clock() + wait_s - self.cooldown_s

    def opened(self, age_s: float) -> None:
        """Open as another worker's breaker did `age_s` seconds ago (shared state, route/shared.py)."""
        self.opened_at = self._clock() - max(0.0, age_s)
