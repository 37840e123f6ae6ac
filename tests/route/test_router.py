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
