"""sovgate.limits: per-tenant rate limits (GCRA) on requests and on tokens, per worker or shared
through Redis.

    limits = Limits.for_config(config.tenants, workers=2)        # None when no tenant has a limit
    wait = await limits.acquire(tenant)                          # 0.0: go on; else seconds to wait
    wait = await limits.token_wait(tenant)                       # 0.0 unless its tokens are overdrawn
    limits.charge(tenant.id, tokens)                             # what an answer used, afterwards

A request's tokens are known only once it is answered: a tenant's requests are let in while its
token budget (a minute's worth) is not overdrawn, and each answer's tokens are charged to it
(`usage.py` reads them from the answer, or estimates them where the provider gives none).

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

    def meters(self, tenant_id: str) -> bool: ...

    async def token_wait(self, tenant: Tenant) -> float: ...

    def charge(self, tenant_id: str, tokens: int) -> None: ...

    def burst_of(self, tenant_id: str) -> int: ...

    async def aclose(self) -> None: ...


__all__ = ["Gcra", "Limits", "RateLimiter", "SharedLimits", "default_burst"]
