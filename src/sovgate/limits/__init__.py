"""sovgate.limits: per-tenant request rate limits (GCRA), per worker or shared through Redis.

    limits = Limits.for_config(config.tenants, workers=2)        # None when no tenant has a limit
    wait = await limits.acquire(tenant)                          # 0.0: go on; else seconds to wait

`gcra.py` is the pure algorithm; `shared.py` runs the same algorithm in Redis, so that every
worker and host of a deployment draws from one budget per tenant.
"""

from typing import Protocol

from sovgate.limits.gcra import Gcra
from sovgate.limits.limits import Limits, default_burst
from sovgate.limits.shared import SharedLimits
from sovgate.types import RateLimit, Tenant


class RateLimiter(Protocol):
    """What the gateway needs of `Limits` and `SharedLimits`."""

    limits: dict[str, RateLimit]

    async def acquire(self, tenant: Tenant) -> float: ...

    def burst_of(self, tenant_id: str) -> int: ...

    async def aclose(self) -> None: ...


__all__ = ["Gcra", "Limits", "RateLimiter", "SharedLimits", "default_burst"]
