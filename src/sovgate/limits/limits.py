"""Rate limits of one worker process: one GCRA per tenant that has a `rate_limit`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from sovgate.limits.gcra import Gcra
from sovgate.types import RateLimit, Tenant


def default_burst(limit: RateLimit) -> int:
    """Explicit, or one second's worth of the rate (at least 1)."""
    return limit.burst or max(1, math.ceil(limit.requests_per_minute / 60))


class Limits:
    """Per-tenant limits enforced in this process. With `workers` > 1 (`serve --workers N`, no
    shared store) each worker takes an equal share of the rate and of the burst, so the tenant's
    total stays within its limit whichever workers its requests reach."""

    def __init__(
        self, limits: dict[str, RateLimit], *, workers: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._gcra = {
            tid: Gcra(lim.requests_per_minute / 60 / workers, max(1, default_burst(lim) // workers))
            for tid, lim in limits.items()
        }
        self._calls = 0

    @classmethod
    def for_config(cls, tenants: Iterable[Tenant], *, workers: int = 1) -> Limits | None:
        limits = {t.id: t.rate_limit for t in tenants if t.rate_limit is not None}
        return cls(limits, workers=workers) if limits else None

    async def acquire(self, tenant: Tenant) -> float:
        return self.acquire_now(tenant.id)

    def acquire_now(self, tenant_id: str) -> float:
        gcra = self._gcra.get(tenant_id)
        if gcra is None:
            return 0.0
        now = self._clock()
        self._calls += 1
        if self._calls % 4096 == 0:  # tenants are few; this only bounds a long run's dict
            gcra.forget_idle(now)
        return gcra.acquire(tenant_id, now)

    async def aclose(self) -> None:
        return None
