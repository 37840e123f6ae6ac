"""The rate limit algorithm (GCRA) and the per-worker limits, on a fake clock."""

from __future__ import annotations

import pytest

from sovgate.limits import Gcra, Limits
from sovgate.types import RateLimit


def test_a_burst_then_the_sustained_rate() -> None:
    g = Gcra(rate=2.0, burst=3)  # 2 per second, 3 at once
    assert [g.acquire("t", 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert g.acquire("t", 100.0) == pytest.approx(0.5)  # the next one in half a second
    assert g.acquire("t", 100.25) == pytest.approx(0.25)  # a refusal is not counted
    assert g.acquire("t", 100.5) == 0.0
    assert g.acquire("t", 100.5) == pytest.approx(0.5)
    assert g.acquire("other", 100.5) == 0.0  # each key its own budget


def test_over_a_long_run_exactly_the_rate_gets_through() -> None:
    g = Gcra(rate=10.0, burst=5)
    allowed = sum(g.acquire("t", i / 1000) == 0.0 for i in range(60_000))  # a request every ms, 60 s
    assert allowed == 5 + 599  # the burst at 0 s, then one every 100 ms from 0.1 to 59.9 s


def test_an_idle_bucket_refills_to_the_burst_only() -> None:
    g = Gcra(rate=1.0, burst=2)
    assert g.acquire("t", 0.0) == 0.0
    assert [g.acquire("t", 1000.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        Gcra(rate=0, burst=1)
    with pytest.raises(ValueError):
        Gcra(rate=1, burst=0)


def test_each_worker_takes_its_share() -> None:
    now = [0.0]
    lim = {"acme": RateLimit(requests_per_minute=120, burst=4)}
    one, two = (Limits(lim, workers=2, clock=lambda: now[0]) for _ in range(2))
    assert [one.acquire_now("acme") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]  # burst 2, 1/s
    assert [two.acquire_now("acme") for _ in range(2)] == [0.0, 0.0]
    assert one.acquire_now("unlimited") == 0.0
    assert Limits({"a": RateLimit(requests_per_minute=600)}).burst_of("a") == 10  # one second's worth
    assert Limits({"a": RateLimit(requests_per_minute=60, burst=3)}, workers=8).burst_of("a") == 1


def test_no_limits_no_limiter() -> None:
    from sovgate.types import Tenant

    plain = Tenant(id="a", home="DE", api_key_sha256="0" * 64)
    assert Limits.for_config([plain]) is None
    limited = Tenant(id="b", home="DE", api_key_sha256="1" * 64, rate_limit=RateLimit(requests_per_minute=6))
    limits = Limits.for_config([plain, limited])
    assert limits is not None and set(limits.limits) == {"b"}
