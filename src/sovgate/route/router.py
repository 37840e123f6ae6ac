"""Candidate order for one request."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable

from sovgate.route.breaker import Breaker, BreakerState, Health
from sovgate.types import Decision


def choose(decision: Decision, health: Health, serving: Collection[str] | None = None) -> tuple[str, ...]:
    """Providers to try, in order: eligible only, healthy first, preference order within a state.

    `serving` restricts the result to providers that serve the requested model
    (None: no restriction). Never returns a provider the decision excluded.
    """
    eligible = decision.eligible  # () when refused
    if serving is not None:
        eligible = tuple(p for p in eligible if p in serving)
    # sorted() is stable: equal health keeps the tenant's preference order
    return tuple(sorted(eligible, key=lambda p: health.get(p, BreakerState.CLOSED)))


class Router:
    """Holds the breakers of the configured providers and answers `candidates`."""

    def __init__(
        self,
        providers: Iterable[str],
        *,
        threshold: int = 3,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._breakers = {p: Breaker(threshold, cooldown_s, clock) for p in providers}
        self.cooldown_s = cooldown_s
        # called with (provider, opened) when a report opens or closes a circuit, and with
        # (provider, wait) when a named wait opens one: route/shared.py tells the other workers
        self.on_change: Callable[[str, bool], None] | None = None
        self.on_hold: Callable[[str, float], None] | None = None

    def health(self) -> dict[str, BreakerState]:
        """Snapshot of every breaker that is not closed."""
        out: dict[str, BreakerState] = {}
        for pid, breaker in self._breakers.items():
            state = breaker.state
            if state is not BreakerState.CLOSED:
                out[pid] = state
        return out

    def candidates(self, decision: Decision, serving: Collection[str] | None = None) -> tuple[str, ...]:
        return choose(decision, self.health(), serving)

    def report(self, provider_id: str, ok: bool) -> None:
        breaker = self._breakers.get(provider_id)
        if breaker is None:
            return
        changed = breaker.success() if ok else breaker.failure()
        if changed and self.on_change is not None:
            self.on_change(provider_id, not ok)

    def hold(self, provider_id: str, wait_s: float) -> None:
        """The provider refused for our rate and named its wait: tried last until it is over."""
        breaker = self._breakers.get(provider_id)
        if breaker is None or not breaker.hold(wait_s):
            return
        if self.on_hold is not None:
            self.on_hold(provider_id, wait_s)
        elif self.on_change is not None:
            self.on_change(provider_id, True)

    def open_left(self, provider_id: str) -> float | None:
        """Seconds until the provider's open circuit goes half-open; None unless it is open."""
        breaker = self._breakers.get(provider_id)
        return None if breaker is None else breaker.open_left()

    def apply_hold(self, provider_id: str, wait_s: float) -> None:
        """Take another worker's open circuit that stays open `wait_s` more seconds."""
        breaker = self._breakers.get(provider_id)
        if breaker is not None:
            breaker.open_for(wait_s)

    def apply(self, provider_id: str, opened_age_s: float | None) -> None:
        """Take another worker's change: opened that many seconds ago, or closed (None)."""
        breaker = self._breakers.get(provider_id)
        if breaker is None:
            return  # a provider this worker's config does not have
        if opened_age_s is None:
            breaker.success()  # closed as it was there
        else:
            breaker.opened(opened_age_s)
