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


def test_a_budget_charged_afterwards_lets_requests_in_until_overdrawn() -> None:
    g = Gcra(rate=1.0, burst=60)  # 60 tokens a minute, a minute's worth at once
    assert g.overdrawn("t", 0.0) == 0.0
    g.charge("t", 50, 0.0)
    assert g.overdrawn("t", 0.0) == 0.0  # 50 of 60 used: the next request may come
    g.charge("t", 30, 0.0)  # it used 30: 20 over
    assert g.overdrawn("t", 0.0) == pytest.approx(20.0)  # until 20 tokens' worth have passed
    assert g.overdrawn("t", 15.0) == pytest.approx(5.0)
    assert g.overdrawn("t", 20.0) == 0.0
    g.charge("t", 1, 1000.0)  # long idle: the budget is whole again, not credited beyond it
    assert g.overdrawn("t", 1000.0) == 0.0 and g.acquire("other", 0.0) == 0.0


def test_token_budgets_per_worker_and_charges() -> None:
    now = [0.0]
    lim = {"acme": RateLimit(tokens_per_minute=600), "calls": RateLimit(requests_per_minute=60)}
    one = Limits(lim, workers=2, clock=lambda: now[0])  # its share: 300 a minute
    assert one.meters("acme") and not one.meters("calls") and not one.meters("unlimited")
    assert one.acquire_now("acme") == 0.0  # no request limit: requests are not counted
    one.charge("acme", 400)
    assert one.token_wait_now("acme") == pytest.approx(20.0)  # 100 over, at 5 a second
    one.charge("calls", 10_000)  # no token budget: nothing to charge
    assert one.token_wait_now("calls") == 0.0 and one.acquire_now("calls") == 0.0
    one.charge("acme", -5)  # never a credit
    assert one.token_wait_now("acme") == pytest.approx(20.0)
