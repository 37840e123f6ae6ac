"""One rate budget per tenant for every worker and host, kept in Redis.

The same GCRA as `gcra.py`, run by a Lua script inside Redis (atomic, one round trip, Redis's
own clock so the hosts' clocks do not matter). If Redis cannot be reached or answers slowly,
the worker falls back to its own share of the limit (`Limits` with the worker count) and says
so once; it tries Redis again after a few seconds. A tenant is never left unlimited.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import Any

from sovgate.limits.limits import Limits, default_burst
from sovgate.types import RateLimit, Tenant

# KEYS[1] the tenant's key; ARGV: interval (s), tolerance (s). Returns "0" (counted) or the wait.
_GCRA = """
if redis.replicate_commands then redis.replicate_commands() end  -- TIME then a write: Redis < 5
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
tat = tat + interval
local allowed_at = tat - tolerance
if now < allowed_at then return tostring(allowed_at - now) end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return '0'
"""
# Token budgets (limits.py, token_gcra: a minute's worth at once). KEYS[1] the tenant's token key.
# _OVERDRAWN: ARGV tolerance (s); returns the seconds until the budget is within it ("0": it is).
# _CHARGE: ARGV seconds per token, tokens; counts them, over the budget or not.
_OVERDRAWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local wait = tat - tonumber(ARGV[1]) - now
if wait > 0 then return tostring(wait) end
return '0'
"""
_CHARGE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
tat = tat + tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return '0'
"""
_TOKEN_WINDOW_S = 60.0  # a token budget lets a minute's worth go at once (limits.token_gcra)
_RETRY_S = 5.0  # after a failure, use the local share this long before trying Redis again


class SharedLimits:
    def __init__(
        self,
        client: Any,
        limits: dict[str, RateLimit],
        *,
        workers: int = 1,
        prefix: str = "sovgate:ratelimit:",
        timeout_s: float = 0.25,
    ) -> None:
        self._client = client
        self._script = client.register_script(_GCRA)
        self._overdrawn_script = client.register_script(_OVERDRAWN)
        self._charge_script = client.register_script(_CHARGE)
        self.limits = limits
        self._args = {
            tid: (60 / lim.requests_per_minute, 60 / lim.requests_per_minute * default_burst(lim))
            for tid, lim in limits.items()
            if lim.requests_per_minute is not None
        }
        self._per_token = {  # tenant -> seconds per token
            tid: 60 / lim.tokens_per_minute for tid, lim in limits.items() if lim.tokens_per_minute
        }
        self._charging: set[asyncio.Task[None]] = set()
        self._local = Limits(limits, workers=workers)  # this worker's share, while Redis is away
        self._prefix = prefix
        self._timeout = timeout_s
        self._down_until = 0.0
        self._probing = False  # one request at a time tries Redis again after an outage
        self._warned = False

    @classmethod
    def from_url(cls, url: str, limits: dict[str, RateLimit], *, workers: int = 1) -> SharedLimits:
        import redis.asyncio as aioredis

        return cls(
            aioredis.from_url(url, socket_connect_timeout=1, socket_timeout=1), limits, workers=workers
        )

    async def acquire(self, tenant: Tenant) -> float:
        args = self._args.get(tenant.id)
        if args is None:
            return 0.0
        wait = await self._shared(self._script, self._prefix + tenant.id, args)
        return self._local.acquire_now(tenant.id) if wait is None else wait

    def meters(self, tenant_id: str) -> bool:
        return tenant_id in self._per_token

    async def token_wait(self, tenant: Tenant) -> float:
        if tenant.id not in self._per_token:
            return 0.0
        wait = await self._shared(self._overdrawn_script, self._token_key(tenant.id), (_TOKEN_WINDOW_S,))
        return self._local.token_wait_now(tenant.id) if wait is None else wait

    def charge(self, tenant_id: str, tokens: int) -> None:
        """Charged in the background: the answer does not wait for Redis."""
        per_token = self._per_token.get(tenant_id)
        if per_token is None or tokens <= 0:
            return
        task = asyncio.ensure_future(self._charge_shared(tenant_id, per_token, tokens))
        self._charging.add(task)
        task.add_done_callback(self._charging.discard)

    async def _charge_shared(self, tenant_id: str, per_token: float, tokens: int) -> None:
        if await self._shared(self._charge_script, self._token_key(tenant_id), (per_token, tokens)) is None:
            self._local.charge(tenant_id, tokens)

    def _token_key(self, tenant_id: str) -> str:
        return f"{self._prefix}tokens:{tenant_id}"  # tenant ids hold no ':' (config.py)

    async def _shared(self, script: Any, key: str, args: tuple[float, ...]) -> float | None:
        """The script's answer, or None when Redis is away (the caller then uses the local share)."""
        down = self._down_until > 0
        if down and (self._probing or time.monotonic() < self._down_until):
            return None
        self._probing = down
        try:
            async with asyncio.timeout(self._timeout):
                answer = await script(keys=[key], args=list(args))
        except Exception as exc:  # unreachable, slow, or refused: this worker's share instead
            self._down_until = time.monotonic() + _RETRY_S
            if not self._warned:
                self._warned = True
                why = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
                print(
                    f"sovgate: rate limits: Redis unavailable ({why}); each worker enforces its own "
                    "share until it is back",
                    file=sys.stderr,
                )
            return None
        finally:
            self._probing = False
        self._down_until = 0.0
        if self._warned:
            self._warned = False
            print("sovgate: rate limits: Redis is back; limits are shared again", file=sys.stderr)
        return float(answer)

    def burst_of(self, tenant_id: str) -> int:
        return default_burst(self.limits[tenant_id])

    async def aclose(self) -> None:
        for task in list(self._charging):  # charges still on their way
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self._client.aclose()
