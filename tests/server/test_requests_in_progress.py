"""The server counts requests in progress (the audit writer's group commit waits on that count):
each request is counted while it is recorded, and the count is back to zero after every kind
of outcome: answered, streamed, refused, failed over, failed."""

from __future__ import annotations

import httpx
import openai
import pytest

from fakes.doubles_gateway import KEY, Setup
from sovgate.gateway.pipeline import RequestRecord


@pytest.fixture
def counted(gw: Setup, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The gateway's count of requests in progress, at each audit append."""
    seen: list[int] = []
    append = gw.gateway.audit

    async def audit(rec: RequestRecord) -> int:
        seen.append(gw.gateway.working)
        return await append(rec)

    monkeypatch.setattr(gw.gateway, "audit", audit)
    return seen


def _client(gw: Setup, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0, timeout=10)


def _chat(gw: Setup, **kw) -> None:  # type: ignore[no-untyped-def]
    _client(gw).chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "What is the capital of France?"}], **kw
    )


def test_an_answered_request_is_counted_until_recorded(gw: Setup, counted: list[int]) -> None:
    _chat(gw)
    assert counted == [1]
    assert gw.gateway.working == 0


def test_a_stream_is_counted_until_it_is_opened(gw: Setup, counted: list[int]) -> None:
    chunks = list(
        _client(gw).chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Hello there"}], stream=True
        )
    )
    assert chunks
    assert counted == [0]  # its record comes when the stream ends, after the answer was opened
    assert gw.gateway.working == 0


def test_refusals_and_failures_leave_no_count_behind(gw: Setup, counted: list[int]) -> None:
    with pytest.raises(openai.AuthenticationError):
        _client(gw, key="wrong").models.list()
    r = httpx.post(
        gw.url + "/v1/chat/completions", content=b"{not json", headers={"authorization": f"Bearer {KEY}"}
    )
    assert r.status_code == 400
    gw.us.fail_status = 503
    _chat(gw)  # fails over to the next provider
    gw.audit.fail = True
    with pytest.raises(openai.APIStatusError):
        _chat(gw)  # the record cannot be written: 503
    assert len(counted) == 4 and all(n == 1 for n in counted)
    assert gw.gateway.working == 0
