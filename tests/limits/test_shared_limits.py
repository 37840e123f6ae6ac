"""Rate limits shared by every worker through a real Redis, and what happens without it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from fakes.redis_server import redis_url
from sovgate.limits import SharedLimits
from sovgate.types import RateLimit, Tenant

ACME = Tenant(id="acme", home="DE", api_key_sha256="0" * 64)
LIMIT = {"acme": RateLimit(requests_per_minute=6, burst=4)}  # a request every 10 s after the burst


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    return redis_url(request, 15)


async def test_workers_draw_from_one_budget(url: str) -> None:
    prefix = f"sovgate-test:{uuid.uuid4().hex}:"
    workers = [SharedLimits.from_url(url, LIMIT, workers=3) for _ in range(3)]
    for w in workers:
        w._prefix = prefix
    try:
        waits = [await workers[i % 3].acquire(ACME) for i in range(7)]
        assert waits[:4] == [0.0] * 4  # the tenant's burst, whichever worker served it
        assert all(9.0 < w <= 10.0 for w in waits[4:])  # then one per 10 s, for all of them together
        other = Tenant(id="free", home="DE", api_key_sha256="1" * 64)
        assert await workers[0].acquire(other) == 0.0  # no limit configured: never asks Redis
    finally:
        for w in workers:
            await w.aclose()


async def test_without_redis_each_worker_enforces_its_share(capsys: pytest.CaptureFixture[str]) -> None:
    from fakes.serving import free_port

    down = SharedLimits.from_url(f"redis://127.0.0.1:{free_port()}/0", LIMIT, workers=2)
    try:
        waits = [await down.acquire(ACME) for _ in range(3)]
    finally:
        await down.aclose()
    assert waits[:2] == [0.0, 0.0] and waits[2] > 0  # half the burst: never unlimited
    err = capsys.readouterr().err
    assert err.count("rate limits: Redis unavailable") == 1, err


class _Script:
    """A redis.asyncio script stand-in: answers, fails or hangs as the test says."""

    def __init__(self) -> None:
        self.mode, self.calls = "ok", 0

    async def __call__(self, keys: list[str], args: list[float]) -> bytes:
        self.calls += 1
        if self.mode == "hang":
            await asyncio.sleep(10)
        if self.mode == "refuse":
            raise ConnectionError("Connection refused")
        return b"0"


class _Client:
    def __init__(self) -> None:
        self.script = _Script()

    def register_script(self, source: str) -> _Script:
        return self.script

    async def aclose(self) -> None:
        return None


async def test_a_slow_redis_is_probed_by_one_request_at_a_time_and_comes_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sovgate.limits.shared as shared

    client = _Client()
    limits = SharedLimits(client, {"acme": RateLimit(requests_per_minute=6000, burst=100)}, timeout_s=0.05)
    client.script.mode = "hang"
    assert await limits.acquire(ACME) == 0.0  # timed out: the local share answered
    assert "rate limits: Redis unavailable (timed out)" in capsys.readouterr().err
    calls = client.script.calls
    waits = await asyncio.gather(*(limits.acquire(ACME) for _ in range(20)))
    assert waits == [0.0] * 20 and client.script.calls == calls  # within the retry pause: no waiting
    monkeypatch.setattr(shared, "_RETRY_S", 0.0)
    limits._down_until = 1.0  # the pause is over: the next requests probe, one at a time
    t0 = asyncio.get_running_loop().time()
    await asyncio.gather(*(limits.acquire(ACME) for _ in range(20)))
    assert client.script.calls - calls <= 2  # one probe (per pause), not twenty
    assert asyncio.get_running_loop().time() - t0 < 0.5
    client.script.mode = "ok"
    limits._down_until = 1.0
    await limits.acquire(ACME)
    assert "rate limits: Redis is back" in capsys.readouterr().err
    calls = client.script.calls
    await limits.acquire(ACME)
    assert client.script.calls == calls + 1  # shared again


async def test_token_budgets_are_shared_and_charges_need_no_wait(url: str) -> None:
    prefix = f"sovgate-test:{uuid.uuid4().hex}:"
    budget = {"acme": RateLimit(tokens_per_minute=600)}  # 10 tokens a second
    a, b = (SharedLimits.from_url(url, budget, workers=2) for _ in range(2))
    for w in (a, b):
        w._prefix = prefix
    try:
        assert a.meters("acme") and not a.meters("free")
        assert await a.token_wait(ACME) == 0.0
        a.charge("acme", 700)  # in the background: the answer does not wait for Redis
        await asyncio.gather(*a._charging)
        wait = await b.token_wait(ACME)  # the other worker sees the whole tenant's use
        assert 9.0 < wait <= 10.0  # 100 over the minute's 600, at 10 a second
        assert await b.acquire(ACME) == 0.0  # no request limit configured: none counted
    finally:
        await a.aclose()
        await b.aclose()


async def test_without_redis_tokens_are_charged_to_the_workers_share(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fakes.serving import free_port

    down = SharedLimits.from_url(
        f"redis://127.0.0.1:{free_port()}/0", {"acme": RateLimit(tokens_per_minute=600)}, workers=2
    )
    try:
        down.charge("acme", 400)  # this worker's share is 300 a minute
        await asyncio.gather(*down._charging)
        wait = await down.token_wait(ACME)
    finally:
        await down.aclose()
    assert 19.0 < wait <= 20.0  # 100 over its share, at 5 a second
    assert capsys.readouterr().err.count("rate limits: Redis unavailable") == 1
