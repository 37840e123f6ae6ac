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
    shared store) each worker takes an equal share of the rate and of the burst (at least 1), so
    the tenant's total stays within its rate whichever workers its requests reach, and within its
    burst when the burst is at least N (`serve` warns otherwise)."""

    def __init__(
        self, limits: dict[str, RateLimit], *, workers: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._gcra = {
            tid: Gcra(lim.requests_per_minute / 60 / workers, max(1, default_burst(lim) // workers))
            for tid, lim in limits.items()
        }

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
        return gcra.acquire(tenant_id, self._clock())

    def burst_of(self, tenant_id: str) -> int:
        """The burst this process enforces for the tenant (its share of the configured one)."""
        return self._gcra[tenant_id].burst

    async def aclose(self) -> None:
        return None
