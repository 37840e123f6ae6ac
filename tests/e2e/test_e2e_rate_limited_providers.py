"""Providers that rate-limit the gateway (429 with Retry-After), through the real gateway.

A gateway of its own: a provider's named wait holds its circuit open for that long, which
would reorder the providers of the session's shared gateway for the tests after these.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from fakes.e2e_gateway import E2E, served_gateway


@pytest.fixture(scope="module")
def own_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with served_gateway(tmp_path_factory.mktemp("e2e-rate-limited")) as e2e:
        yield e2e


@pytest.fixture
def limited(own_gateway: E2E) -> E2E:
    """Every provider answering 429, each naming its own wait (or none)."""
    fakes = own_gateway.fakes
    for fake in fakes.values():
        fake.reset()
        fake.fail_status = 429
    fakes["us-global"].fail_headers = {"retry-after": "20"}
    fakes["fr-sovereign"].fail_headers = {"retry-after-ms": "3500", "retry-after": "4"}
    fakes["de-onprem"].fail_headers = {}  # names no wait: the others' soonest counts
    fakes["cn-provider"].fail_headers = {"retry-after": "1"}  # never eligible for acme-de
    return own_gateway


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_every_eligible_provider_rate_limited_is_a_429_with_the_soonest_wait(
    limited: E2E, stream: bool
) -> None:
    e2e = limited
    with pytest.raises(openai.RateLimitError) as exc:
        e2e.client().chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Is anyone there?"}], stream=stream
        )
    err, headers = exc.value, exc.value.response.headers
    assert err.status_code == 429 and err.code == "upstream_rate_limited"
    # the soonest wait an eligible provider named (fr-sovereign's 3.5 s); cn-provider was never asked
    assert headers["retry-after-ms"] == "3500" and headers["retry-after"] == "4"
    for pid in ("us-global", "fr-sovereign", "de-onprem"):
        assert f"{pid}: HTTP 429" in err.message
        assert len(e2e.received(pid)) == 1  # held open or not, every eligible provider is tried
    assert not e2e.received("cn-provider")
    rec = e2e.record(headers["x-sovgate-decision"])
    assert rec.status == 429 and rec.outcome == "upstream_rate_limited"


def test_a_provider_that_named_its_wait_is_tried_last_until_then(limited: E2E) -> None:
    e2e = limited
    with pytest.raises(openai.RateLimitError):
        e2e.client().chat.completions.create(model="chat", messages=[{"role": "user", "content": "Hi"}])
    for fake in e2e.fakes.values():
        fake.reset()
    # us-global (20 s) and fr-sovereign (3.5 s) are held open; de-onprem named no wait: one
    # failure, its circuit still closed, so it goes first now although it comes last in the route
    raw = e2e.client().chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Hi again"}]
    )
    assert raw.headers["x-sovgate-provider"] == "de-onprem"
    e2e.only("de-onprem")


def test_rate_limited_and_down_together_is_an_outage(limited: E2E) -> None:
    e2e = limited
    e2e.fakes["fr-sovereign"].fail_status = 503  # one of them down, not rate-limiting
    with pytest.raises(openai.InternalServerError) as exc:
        e2e.client().chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Is anyone there?"}]
        )
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
