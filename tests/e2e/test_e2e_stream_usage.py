"""Streams whose tokens the gateway counts: it asks a provider that can report them
(`stream_usage`) for OpenAI's usage chunk, charges the tenant what the provider reports, and
forwards the chunk only to a client that asked for it. Through the real `sovgate serve`, fake
OpenAI-protocol upstreams and the openai SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakes.e2e_gateway import serve_cli
from fakes.openai_upstream import FakeOpenAI

CONFIG = """
gateway:
  region: DE
  audit: sqlite:///{tmp}/audit.db
providers:
  - {{id: reports, protocol: openai, base_url: "{reports}", operator_country: DE, hosting: [DE],
      stream_usage: true, models: {{chat: m, text: t}}}}
  - {{id: silent, protocol: openai, base_url: "{silent}", operator_country: DE, hosting: [DE],
      models: {{chat: m}}}}
tenants:
  - {{id: budget, home: DE, api_key_env: SU_BUDGET, route: [reports],
      rate_limit: {{tokens_per_minute: 100000}}}}
  - {{id: free, home: DE, api_key_env: SU_FREE, route: [reports]}}
  - {{id: old, home: DE, api_key_env: SU_OLD, route: [silent], rate_limit: {{tokens_per_minute: 100000}}}}
"""
KEYS = {f"SU_{t.upper()}": f"su-{t}" for t in ("budget", "free", "old")}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeOpenAI, FakeOpenAI]]:
    tmp = tmp_path_factory.mktemp("e2e-stream-usage")
    reports, silent = FakeOpenAI("reports").start(), FakeOpenAI("silent").start()
    (tmp / "sovgate.yaml").write_text(
        CONFIG.format(tmp=tmp, reports=reports.base_url, silent=silent.base_url)
    )
    try:
        with serve_cli(["--config", "sovgate.yaml"], tmp, KEYS) as url:
            yield url, reports, silent
    finally:
        reports.stop()
        silent.stop()


def _client(url: str, tenant: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=f"su-{tenant}", max_retries=0, timeout=20)


def _stream(url: str, tenant: str, **kw: Any) -> list[Any]:
    messages = [{"role": "user", "content": "Wie spät ist es?"}]
    return list(
        _client(url, tenant).chat.completions.create(model="chat", messages=messages, stream=True, **kw)
    )


def _tokens(url: str, tenant: str, source: str) -> float:
    for line in httpx.get(url + "/metrics", timeout=5).text.splitlines():
        if line.startswith(f'sovgate_tenant_tokens_total{{source="{source}",tenant="{tenant}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_a_counted_stream_is_charged_the_reported_tokens_without_showing_the_chunk(
    gateway: tuple[str, FakeOpenAI, FakeOpenAI],
) -> None:
    url, reports, _ = gateway
    before = _tokens(url, "budget", "reported")
    chunks = _stream(url, "budget")
    assert reports.received[-1].body["stream_options"] == {"include_usage": True}  # asked for it
    assert chunks and all(c.choices for c in chunks)  # no usage chunk: this client did not ask
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: Wie spät ist es?"
    assert _tokens(url, "budget", "reported") == before + 15  # the provider's count, not an estimate
    assert _tokens(url, "budget", "estimated") == 0


def test_a_client_that_asks_gets_the_usage_chunk_as_before(
    gateway: tuple[str, FakeOpenAI, FakeOpenAI],
) -> None:
    url, reports, _ = gateway
    chunks = _stream(url, "budget", stream_options={"include_usage": True})
    assert reports.received[-1].body["stream_options"] == {"include_usage": True}
    assert [c.usage.total_tokens for c in chunks if c.usage] == [15] and not chunks[-1].choices


def test_nothing_is_asked_where_no_tokens_are_counted_or_the_provider_cannot_say(
    gateway: tuple[str, FakeOpenAI, FakeOpenAI],
) -> None:
    url, reports, silent = gateway
    _stream(url, "free")  # no token budget: the request goes out as the client sent it
    assert "stream_options" not in reports.received[-1].body
    before = _tokens(url, "old", "estimated")
    _stream(url, "old")  # a budget, but a provider not known to take stream_options: estimated
    assert "stream_options" not in silent.received[-1].body
    assert _tokens(url, "old", "estimated") > before and _tokens(url, "old", "reported") == 0


def test_a_counted_text_completion_stream_is_charged_the_same_way(
    gateway: tuple[str, FakeOpenAI, FakeOpenAI],
) -> None:
    url, reports, _ = gateway
    before = _tokens(url, "budget", "reported")
    chunks = list(_client(url, "budget").completions.create(model="text", prompt="Guten Tag", stream=True))
    assert reports.received[-1].body["stream_options"] == {"include_usage": True}
    assert chunks and all(c.choices for c in chunks)
    assert _tokens(url, "budget", "reported") == before + 15


def test_a_responses_stream_ends_with_the_provider_s_usage(
    gateway: tuple[str, FakeOpenAI, FakeOpenAI],
) -> None:
    url, reports, silent = gateway
    # the Responses API's final event carries usage: asked for, even without a token budget
    with _client(url, "free").responses.stream(model="chat", input="Wie spät ist es?") as stream:
        final = stream.get_final_response()
    assert reports.received[-1].body["stream_options"] == {"include_usage": True}
    assert final.usage is not None and (final.usage.input_tokens, final.usage.output_tokens) == (10, 5)
    with _client(url, "old").responses.stream(model="chat", input="Wie spät ist es?") as stream:
        final = stream.get_final_response()
    assert "stream_options" not in silent.received[-1].body and final.usage is None
