"""Rate limits of one worker process: one GCRA per tenant and budget (requests, tokens)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from sovgate.limits.gcra import Gcra
from sovgate.types import RateLimit, Tenant


def default_burst(limit: RateLimit) -> int:
    """Explicit, or one second's worth of the rate (at least 1)."""
    return limit.burst or max(1, math.ceil((limit.requests_per_minute or 0) / 60))


def token_gcra(tokens_per_minute: float, workers: int = 1) -> Gcra:
    """A token budget: the rate per second, and a minute's worth at once (each worker its share)."""
    return Gcra(tokens_per_minute / 60 / workers, max(1, int(tokens_per_minute) // workers))


class Limits:
    """Per-tenant limits enforced in this process. With `workers` > 1 (`serve --workers N`, no
    shared store) each worker takes an equal share of the rates and bursts (at least 1), so
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
            if lim.requests_per_minute is not None
        }
        self._tokens = {
            tid: token_gcra(lim.tokens_per_minute, workers)
            for tid, lim in limits.items()
            if lim.tokens_per_minute is not None
        }

    @classmethod
    def for_config(cls, tenants: Iterable[Tenant], *, workers: int = 1) -> Limits | None:
        limits = {t.id: t.rate_limit for t in tenants if t.rate_limit is not None}
        return cls(limits, workers=workers) if limits else None

    async def acquire(self, tenant: Tenant) -> float:
        return self.acquire_now(tenant.id)

    def acquire_now(self, tenant_id: str) -> float:
        """0.0 and the request counted, or the seconds until one would be allowed."""
        gcra = self._gcra.get(tenant_id)
        if gcra is None:
            return 0.0
        return gcra.acquire(tenant_id, self._clock())

    def meters(self, tenant_id: str) -> bool:
        """Whether the tenant has a token budget (its answers' tokens are then charged)."""
        return tenant_id in self._tokens

    async def token_wait(self, tenant: Tenant) -> float:
        return self.token_wait_now(tenant.id)

    def token_wait_now(self, tenant_id: str) -> float:
        """0.0 while the tenant's token budget is not overdrawn, else the seconds until it is not."""
        gcra = self._tokens.get(tenant_id)
        return 0.0 if gcra is None else gcra.overdrawn(tenant_id, self._clock())

    def charge(self, tenant_id: str, tokens: int) -> None:
        """The tokens an answer used, charged to the tenant's budget (known only afterwards)."""
        gcra = self._tokens.get(tenant_id)
        if gcra is not None and tokens > 0:
            gcra.charge(tenant_id, tokens, self._clock())

    def burst_of(self, tenant_id: str) -> int:
        """The burst this process enforces for the tenant (its share of the configured one)."""
        return self._gcra[tenant_id].burst

    async def aclose(self) -> None:
        return None
