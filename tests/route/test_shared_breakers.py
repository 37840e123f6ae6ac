"""Circuit states shared through a real Redis (the running 127.0.0.1:6379, else one started by
pytest-redis): workers on one Redis learn each other's open and closed circuits."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from fakes.redis_server import redis_url
from sovgate.route import BreakerState, Router
from sovgate.route.shared import SharedBreakers
from sovgate.types import Decision, ProviderVerdict

PROVIDERS = ("us-global", "fr-sovereign", "de-onprem")


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    return redis_url(request, 15)


@pytest.fixture
async def workers(url: str) -> AsyncIterator[Callable[..., SharedBreakers]]:
    """A factory of workers (a Router with its SharedBreakers) on one Redis and one fresh prefix."""
    prefix = f"sovgate-test:{uuid.uuid4().hex}:breakers"
    made: list[SharedBreakers] = []

    def make(threshold: int = 2, cooldown_s: float = 60.0, at: str = url) -> SharedBreakers:
        router = Router(PROVIDERS, threshold=threshold, cooldown_s=cooldown_s)
        client = aioredis.from_url(at, socket_connect_timeout=0.5)
        shared = SharedBreakers(client, router, prefix=prefix)
        made.append(shared)
        return shared

    yield make
    cleanup = aioredis.from_url(url)
    await cleanup.delete(prefix)
    await cleanup.aclose()
    for shared in made:
        await shared.aclose()


async def _started(shared: SharedBreakers) -> SharedBreakers:
    await shared.start()
    await asyncio.wait_for(shared.subscribed.wait(), 5)
    return shared


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the change did not arrive"
        await asyncio.sleep(0.01)


def _state(shared: SharedBreakers, provider: str) -> BreakerState:
    return shared._router.health().get(provider, BreakerState.CLOSED)


async def test_a_circuit_one_worker_opens_is_open_on_the_others(workers) -> None:
    a, b = await _started(workers()), await _started(workers())
    a._router.report("us-global", False)
    assert _state(b, "us-global") is BreakerState.CLOSED  # one failure: below the threshold
    a._router.report("us-global", False)
    assert _state(a, "us-global") is BreakerState.OPEN
    await _until(lambda: _state(b, "us-global") is BreakerState.OPEN)
    # b now tries the provider last, without having seen one failure of its own
    assert b._router.candidates(_decision(PROVIDERS))[-1] == "us-global"
    # and a success anywhere closes it everywhere
    b._router.report("us-global", True)
    await _until(lambda: _state(a, "us-global") is BreakerState.CLOSED)
    assert _state(b, "fr-sovereign") is BreakerState.CLOSED


async def test_a_worker_that_starts_later_begins_with_the_open_circuits(workers) -> None:
    a = await _started(workers(threshold=1))
    a._router.report("fr-sovereign", False)
    await _until(lambda: a.idle)  # published
    late = await _started(workers(threshold=1))
    assert _state(late, "fr-sovereign") is BreakerState.OPEN
    assert _state(late, "us-global") is BreakerState.CLOSED


async def test_the_cool_down_runs_from_when_the_circuit_opened_elsewhere(workers) -> None:
    a = await _started(workers(threshold=1, cooldown_s=0.5))
    b = await _started(workers(threshold=1, cooldown_s=0.5))
    a._router.report("de-onprem", False)
    await _until(lambda: _state(b, "de-onprem") is BreakerState.OPEN)
    # both become half-open together: b did not restart the cool-down on receiving it (b opened
    # when the message arrived, the delivery's few milliseconds after a: allowed for)
    await _until(lambda: _state(a, "de-onprem") is BreakerState.HALF_OPEN, timeout=2)
    await _until(lambda: _state(b, "de-onprem") is BreakerState.HALF_OPEN, timeout=0.1)
    # a failed probe on b opens it again on a too
    b._router.report("de-onprem", False)
    await _until(lambda: _state(a, "de-onprem") is BreakerState.OPEN)


async def test_a_worker_applies_the_others_changes_only(workers, url: str) -> None:
    a, b = await _started(workers(threshold=1)), await _started(workers(threshold=1))
    applied: list[tuple[str, float | None]] = []
    real_apply = a._router.apply
    a._router.apply = lambda pid, age: (applied.append((pid, age)), real_apply(pid, age))  # type: ignore[method-assign]
    a._router.report("us-global", False)  # a's own change: published, never applied back to a
    b._router.report("fr-sovereign", False)
    other = aioredis.from_url(url)  # a stranger on the channel
    await other.publish(a.channel, b"not json")
    await other.publish(a.channel, b'{"provider": "unknown", "open": true, "at": 0, "worker": "x"}')
    await other.aclose()
    await _until(lambda: len(applied) == 2)
    await asyncio.sleep(0.2)
    assert sorted(pid for pid, _ in applied) == ["fr-sovereign", "unknown"]  # nothing of its own
    assert set(a._router.health()) == {"us-global", "fr-sovereign"}  # "unknown" is no provider here


async def test_without_redis_each_worker_keeps_its_own_breakers(workers, capsys) -> None:
    a = workers(threshold=1, at="redis://127.0.0.1:1/0")  # nothing listens there
    await a.start()  # does not raise, does not wait
    a._router.report("us-global", False)
    assert _state(a, "us-global") is BreakerState.OPEN  # the local breaker still works
    await _until(lambda: a.idle)
    await asyncio.sleep(0.1)
    err = capsys.readouterr().err
    # one warning for the outage, not one per change or reconnect attempt
    assert err.count("sovgate:") == 1, err
    assert "each worker keeps its own" in err or "cannot share a circuit change" in err
    assert not a.subscribed.is_set()


def _decision(eligible: tuple[str, ...]) -> Decision:
    return Decision(verdicts=tuple(ProviderVerdict(p, True) for p in eligible))


async def test_after_an_outage_a_worker_catches_up(workers, url: str) -> None:
    """What a worker missed while its listener was away: a close elsewhere, and its own open that
    it could not publish."""
    a, b = await _started(workers(threshold=1)), await _started(workers(threshold=1))
    a._router.report("us-global", False)
    await _until(lambda: _state(b, "us-global") is BreakerState.OPEN)
    b._tasks[1].cancel()  # b's listener is gone: it misses what follows
    a._router.report("us-global", True)  # closed on a, published, unseen by b
    await _until(lambda: a.idle)
    assert _state(b, "us-global") is BreakerState.OPEN
    await b._catch_up()  # what b does when it subscribes again
    assert _state(b, "us-global") is BreakerState.CLOSED

    dead = workers(threshold=1, at="redis://127.0.0.1:1/0")
    await dead.start()
    dead._router.report("fr-sovereign", False)  # opened during its outage: not published
    await _until(lambda: dead.idle)
    assert _state(a, "fr-sovereign") is BreakerState.CLOSED
    await dead._client.aclose()
    dead._client = aioredis.from_url(url)  # Redis is back
    await dead._catch_up()
    await _until(lambda: _state(a, "fr-sovereign") is BreakerState.OPEN)


async def test_a_providers_named_wait_holds_it_on_every_worker_for_that_long(workers) -> None:
    a = await _started(workers(cooldown_s=60.0))
    b = await _started(workers(cooldown_s=60.0))
    a._router.hold("fr-sovereign", 0.4)  # a 429 that said "retry after 0.4 s": shorter than a cool-down
    await _until(lambda: _state(b, "fr-sovereign") is BreakerState.OPEN)
    # half-open on both once the wait is over, not after b's 60 s cool-down
    await _until(lambda: _state(b, "fr-sovereign") is BreakerState.HALF_OPEN, timeout=2)
    assert _state(a, "fr-sovereign") is BreakerState.HALF_OPEN
    a._router.hold("us-global", 300.0)  # longer than a cool-down: the wait counts there too
    await _until(lambda: _state(b, "us-global") is BreakerState.OPEN)
    half_open_in = b._router._breakers["us-global"].opened_at + 60.0 - time.monotonic()  # type: ignore[operator]
    assert 290 < half_open_in <= 300
    await _until(lambda: a.idle)
    late = await _started(workers(cooldown_s=60.0))  # starts during the wait: holds the rest of it
    late_in = late._router._breakers["us-global"].opened_at + 60.0 - time.monotonic()  # type: ignore[operator]
    assert 280 < late_in <= 300
    assert _state(late, "fr-sovereign") is BreakerState.CLOSED  # that wait is over: not taken


async def test_after_an_outage_a_worker_republishes_what_is_left_of_its_waits(workers, url: str) -> None:
    """An open circuit republished after an outage keeps its end: a named wait stays that long on
    the others, a cool-down is not restarted by the outage."""
    a = await _started(workers(threshold=1, cooldown_s=60.0))
    dead = workers(threshold=1, cooldown_s=60.0, at="redis://127.0.0.1:1/0")
    await dead.start()
    dead._router.hold("us-global", 300.0)  # opened during its outage: not published
    dead._router.report("fr-sovereign", False)
    await _until(lambda: dead.idle)
    await asyncio.sleep(0.5)  # the outage lasts a while
    await dead._client.aclose()
    dead._client = aioredis.from_url(url)
    await dead._catch_up()
    await _until(lambda: {_state(a, "us-global"), _state(a, "fr-sovereign")} == {BreakerState.OPEN})

    def left(pid: str) -> float:
        return a._router._breakers[pid].opened_at + 60.0 - time.monotonic()  # type: ignore[operator]

    assert 290 < left("us-global") <= 299.6  # the rest of the 300 s wait, not a 60 s cool-down
    assert 50 < left("fr-sovereign") <= 59.6  # the rest of the cool-down, not one restarted now
    late = await _started(workers(cooldown_s=60.0))  # the hash says the same to a later worker
    late_left = late._router._breakers["us-global"].opened_at + 60.0 - time.monotonic()  # type: ignore[operator]
    assert 290 < late_left <= 299.6


async def test_a_clock_ahead_cannot_hold_a_circuit_longer_than_its_wait(workers, url: str) -> None:
    """The hash keeps when a circuit would half-open by its writer's clock; a writer an hour ahead
    still holds a later worker for at most the cool-down, or the wait it named."""
    a = workers(cooldown_s=60.0)
    ahead = time.time() + 3600
    redis = aioredis.from_url(url)
    await redis.hset(a.hash, mapping={"us-global": repr(ahead), "fr-sovereign": f"{ahead + 240!r} 300.0"})
    await redis.aclose()
    await _started(a)

    def left(pid: str) -> float:
        return a._router._breakers[pid].opened_at + 60.0 - time.monotonic()  # type: ignore[operator]

    assert _state(a, "us-global") is BreakerState.OPEN and 55 < left("us-global") <= 60
    assert _state(a, "fr-sovereign") is BreakerState.OPEN and 295 < left("fr-sovereign") <= 300
