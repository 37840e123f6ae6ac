"""Per-tenant token budgets (`rate_limit.tokens_per_minute`) through the real `sovgate serve`, an
OpenAI-protocol upstream that reports usage (15 tokens an answer), and the openai SDK."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakes.e2e_gateway import serve_cli
from fakes.openai_upstream import FakeOpenAI
from sovgate.audit import decode_leaf, open_audit_log_sync

CONFIG = """
gateway:
  region: DE
  audit: sqlite:///{db}
providers:
  - {{id: eu, protocol: openai, base_url: "{base_url}", operator_country: DE, hosting: [DE],
      models: {{chat: m}}}}
tenants:
  - {{id: metered, home: DE, api_key_env: TL_METERED, route: [eu], rate_limit: {{tokens_per_minute: 40}}}}
  - {{id: streams, home: DE, api_key_env: TL_STREAMS, route: [eu], rate_limit: {{tokens_per_minute: 10}}}}
  - {{id: counted, home: DE, api_key_env: TL_COUNTED, route: [eu], rate_limit: {{tokens_per_minute: 10}}}}
  - {{id: both, home: DE, api_key_env: TL_BOTH, route: [eu],
      rate_limit: {{requests_per_minute: 600, burst: 2, tokens_per_minute: 1000000}}}}
  - {{id: free, home: DE, api_key_env: TL_FREE, route: [eu]}}
"""
KEYS = {f"TL_{t.upper()}": f"tl-{t}" for t in ("metered", "streams", "counted", "both", "free")}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("e2e-token-limits")
    upstream = FakeOpenAI("eu").start()
    db = tmp / "audit.db"
    (tmp / "sovgate.yaml").write_text(CONFIG.format(db=db, base_url=upstream.base_url))
    try:
        with serve_cli(["--config", "sovgate.yaml"], tmp, KEYS) as url:
            yield url, db
    finally:
        upstream.stop()


def _client(url: str, tenant: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=f"tl-{tenant}", max_retries=0, timeout=20)


def _ask(c: openai.OpenAI, text: str = "hi", **kw: object) -> object:
    return c.chat.completions.create(model="chat", messages=[{"role": "user", "content": text}], **kw)


def test_answers_are_charged_and_an_overdrawn_budget_waits(gateway: tuple[str, Path]) -> None:
    url, db = gateway
    metered = _client(url, "metered")
    for _ in range(3):  # 0, 15, 30 tokens used when each came: within the minute's 40
        _ask(metered)
    with pytest.raises(openai.RateLimitError) as exc:  # 45 used: overdrawn by 5 (7.5 s at 40/min)
        _ask(metered)
    err, headers = exc.value, exc.value.response.headers
    assert err.code == "rate_limit_exceeded" and err.body["type"] == "tokens"  # type: ignore[index]
    assert "40 tokens per minute" in err.message
    assert 7000 <= int(headers["retry-after-ms"]) <= 7500 and headers["retry-after"] == "8"
    _ask(_client(url, "free"))  # another tenant: its own (no) budget
    log = open_audit_log_sync(f"sqlite:///{db}")
    try:
        entry = log.entry(headers["x-sovgate-decision"])
        assert entry is not None and entry.payload is not None
        rec = decode_leaf(entry.payload)
        assert rec.status == 429 and rec.outcome == "rate_limit_exceeded" and rec.provider is None
    finally:
        log.close_sync()


def test_a_stream_is_charged_what_it_reports_else_an_estimate(gateway: tuple[str, Path]) -> None:
    url, _ = gateway
    prompt = "x" * 400  # about 100 tokens by the estimate
    # no usage in the stream: estimated (100 for the prompt, one per event): far over 10 a minute
    chunks = _ask(_client(url, "streams"), prompt, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)  # type: ignore[attr-defined]
    with pytest.raises(openai.RateLimitError) as exc:
        _ask(_client(url, "streams"))
    assert float(exc.value.response.headers["retry-after-ms"]) / 1000 > 500  # (100+ - 10) × 6 s
    # the same stream asking for usage: the provider's 15 tokens, overdrawn by 5 (30 s at 10/min)
    chunks = _ask(_client(url, "counted"), prompt, stream=True, stream_options={"include_usage": True})
    assert [c.usage.total_tokens for c in chunks if c.usage] == [15]  # type: ignore[attr-defined]
    with pytest.raises(openai.RateLimitError) as exc:
        _ask(_client(url, "counted"))
    assert 29 <= float(exc.value.response.headers["retry-after-ms"]) / 1000 <= 30
    # each tenant's charged tokens, and where they came from, in the metrics
    metrics = httpx.get(url + "/metrics", timeout=5).text
    assert 'sovgate_tenant_tokens_total{source="reported",tenant="counted"} 15.0' in metrics
    estimated = re.search(r'_tokens_total\{source="estimated",tenant="streams"\} (\d+)', metrics)
    assert estimated is not None and int(float(estimated.group(1))) > 100
    assert 'tenant="free"' not in metrics  # no token budget: not metered


def test_requests_and_tokens_are_limited_together(gateway: tuple[str, Path]) -> None:
    url, _ = gateway
    both = _client(url, "both")
    _ask(both)
    _ask(both)
    with pytest.raises(openai.RateLimitError) as exc:  # the burst of 2 requests, tokens to spare
        _ask(both)
    assert exc.value.body["type"] == "requests"  # type: ignore[index]
