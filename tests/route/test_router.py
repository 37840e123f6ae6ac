"""Routing: a pure choice over (decision, health), and passive circuit breakers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sovgate.route import Breaker, BreakerState, Router, choose
from sovgate.types import Decision, FiredRule, ProviderVerdict


def decision(*eligible: tuple[str, bool]) -> Decision:
    return Decision(
        verdicts=tuple(ProviderVerdict(p, ok, excluded_by=None if ok else "x/rule") for p, ok in eligible)
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_preference_order_of_eligible_only() -> None:
    d = decision(("us", False), ("fr", True), ("de", True))
    assert choose(d, {}) == ("fr", "de")


def test_unhealthy_go_last_keeping_preference_within_a_state() -> None:
    d = decision(("a", True), ("b", True), ("c", True), ("d", True))
    health = {"a": BreakerState.OPEN, "b": BreakerState.HALF_OPEN}
    assert choose(d, health) == ("c", "d", "b", "a")


def test_refused_decision_has_no_candidates() -> None:
    rule = FiredRule("baseline/secret", "refuse", "secret")
    d = Decision(verdicts=(ProviderVerdict("a", True),), refused=rule)
    assert choose(d, {}) == ()


def test_serving_restricts_to_providers_of_the_model() -> None:
    d = decision(("a", True), ("b", True))
    assert choose(d, {}, serving={"b"}) == ("b",)


@given(
    st.lists(st.tuples(st.sampled_from("abcdefgh"), st.booleans()), unique_by=lambda t: t[0]),
    st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from(list(BreakerState))),
)
def test_never_returns_an_excluded_provider(
    verdicts: list[tuple[str, bool]], health: dict[str, BreakerState]
) -> None:
    d = decision(*verdicts)
    out = choose(d, health)
    assert set(out) == {p for p, ok in verdicts if ok}
    states = [health.get(p, BreakerState.CLOSED) for p in out]
    assert states == sorted(states)


def test_breaker_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = Clock()
    b = Breaker(threshold=3, cooldown_s=10, clock=clock)
    b.failure()
    b.failure()
    assert b.state is BreakerState.CLOSED
    b.failure()
    assert b.state is BreakerState.OPEN
    clock.now = 9.9
    assert b.state is BreakerState.OPEN
    clock.now = 10.0
    assert b.state is BreakerState.HALF_OPEN
    b.failure()  # failed probe: open again for a full cool-down
    assert b.state is BreakerState.OPEN
    clock.now = 20.0
    assert b.state is BreakerState.HALF_OPEN
    b.success()
    assert b.state is BreakerState.CLOSED and b.failures == 0


def test_success_resets_consecutive_count() -> None:
    b = Breaker(threshold=2)
    b.failure()
    b.success()
    b.failure()
    assert b.state is BreakerState.CLOSED


def test_router_reports_feed_candidates() -> None:
    clock = Clock()
    r = Router(["a", "b"], threshold=1, cooldown_s=5, clock=clock)
    d = decision(("a", True), ("b", True))
    assert r.candidates(d) == ("a", "b")
    r.report("a", False)
    assert r.candidates(d) == ("b", "a")
    assert r.health() == {"a": BreakerState.OPEN}
    clock.now = 5
    assert r.health() == {"a": BreakerState.HALF_OPEN}
    r.report("a", True)
    assert r.candidates(d) == ("a", "b")
    r.report("unknown", False)  # ignored


def test_a_named_wait_opens_the_breaker_for_that_long() -> None:
    clock = Clock()
    b = Breaker(threshold=3, cooldown_s=10, clock=clock)
    assert b.hold(25.0)  # a 429 with Retry-After: 25 opens at once, threshold or not
    clock.now = 24.9
    assert b.state is BreakerState.OPEN  # longer than the cool-down: the provider's word counts
    clock.now = 25.0
    assert b.state is BreakerState.HALF_OPEN
    assert b.hold(2.0)  # a half-open probe refused again, for less than the cool-down
    clock.now = 26.9
    assert b.state is BreakerState.OPEN
    assert not b.hold(1.0)  # already open: the new wait replaces the old one, nothing to tell
    clock.now = 28.0
    assert b.state is BreakerState.HALF_OPEN
    assert not b.hold(0.0)  # "retry now": half-open at once, not opened
    assert b.state is BreakerState.HALF_OPEN
    b.success()
    assert b.state is BreakerState.CLOSED and b.failures == 0


def test_open_left_is_what_remains_of_a_cool_down_or_a_wait() -> None:
    clock = Clock()
    b = Breaker(threshold=1, cooldown_s=10, clock=clock)
    assert b.open_left() is None  # closed
    b.failure()
    clock.now = 4.0
    assert b.open_left() == 6.0
    b.hold(30.0)
    assert b.open_left() == 30.0
    clock.now = 34.0
    assert b.open_left() is None  # half-open: nothing left to wait
    r = Router(["a"], cooldown_s=10, clock=clock)
    assert r.open_left("a") is None and r.open_left("unknown") is None


def test_router_holds_a_rate_limited_provider_last_and_tells_the_others() -> None:
    clock = Clock()
    r = Router(["a", "b"], threshold=3, cooldown_s=5, clock=clock)
    told: list[tuple[str, bool]] = []
    r.on_change = lambda provider, opened: told.append((provider, opened))
    d = decision(("a", True), ("b", True))
    r.hold("a", 20.0)
    assert r.candidates(d) == ("b", "a") and told == [("a", True)]
    clock.now = 19.0
    assert r.health() == {"a": BreakerState.OPEN}
    clock.now = 20.0
    assert r.health() == {"a": BreakerState.HALF_OPEN}
    r.hold("unknown", 1.0)  # ignored
