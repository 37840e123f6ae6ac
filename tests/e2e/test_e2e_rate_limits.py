"""Per-tenant rate limits through the real `sovgate serve`, with the openai SDK as the client."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import openai
import pytest

from fakes.e2e_gateway import serve_cli
from fakes.redis_server import redis_url

CONFIG = """
gateway:
  region: DE
  audit: sqlite:///{db}
  rate_limits: {{shared: "{shared}"}}
providers: [{{id: preview, protocol: preview, models: {{chat: m}}}}]
tenants:
  - {{id: {tenant}, home: DE, api_key_env: RL_LIMITED_KEY, route: [preview],
      rate_limit: {{requests_per_minute: {rpm}, burst: {burst}}}}}
  - {{id: free, home: DE, api_key_env: RL_FREE_KEY, route: [preview]}}
"""
KEYS = {"RL_LIMITED_KEY": "rl-limited", "RL_FREE_KEY": "rl-free"}


def client(url: str, key: str, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=retries, timeout=20)


def ask(c: openai.OpenAI) -> None:
    c.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])


def serve(  # type: ignore[no-untyped-def]
    tmp_path: Path, *, rpm: float, burst: int, shared: str = "", workers: int = 1, tenant: str = "limited"
):
    db = tmp_path / "audit.db"
    text = CONFIG.format(db=db, shared=shared, rpm=rpm, burst=burst, tenant=tenant)
    (tmp_path / "sovgate.yaml").write_text(text)
    args = ["--config", "sovgate.yaml", "--workers", str(workers)]
    return serve_cli(args, tmp_path, KEYS), f"sqlite:///{db}"


def test_over_the_limit_is_429_with_retry_after_recorded_and_the_sdk_waits(tmp_path: Path) -> None:
    server, db = serve(tmp_path, rpm=30, burst=3)  # 3 at once, then one every 2 s
    with server as url:
        limited = client(url, "rl-limited")
        for _ in range(3):
            ask(limited)
        with pytest.raises(openai.RateLimitError) as err:
            ask(limited)
        assert err.value.code == "rate_limit_exceeded" and "tenant 'limited'" in err.value.message
        assert err.value.response.headers["retry-after"] in ("1", "2")
        assert 0 < int(err.value.response.headers["retry-after-ms"]) <= 2000
        assert [m.id for m in limited.models.list()] == ["chat"]  # listings do not count
        rid = err.value.response.headers["x-sovgate-decision"]
        for _ in range(5):
            ask(client(url, "rl-free"))  # other tenants are not held back
        t0 = time.monotonic()
        ask(client(url, "rl-limited", retries=2))  # the SDK honours Retry-After and gets through
        assert time.monotonic() - t0 > 0.5
    from sovgate.audit import decode_leaf, open_log_reader

    log = open_log_reader(db)
    try:
        entry = log.entry(rid)
        assert entry is not None and entry.payload is not None
        rec = decode_leaf(entry.payload)
    finally:
        log.close_sync()
    assert (rec.tenant, rec.outcome, rec.status, rec.provider) == (
        "limited",
        "rate_limit_exceeded",
        429,
        None,
    )


def test_two_workers_share_one_budget_through_redis(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # burst 5: exactly 5 get through when shared; each worker alone would allow 5 // 2 = 2
    tenant = f"limited-{uuid.uuid4().hex[:8]}"  # its own budget in a Redis other runs may share
    server, _ = serve(tmp_path, rpm=6, burst=5, shared=redis_url(request, 13), workers=2, tenant=tenant)
    with server as url:
        results = []
        for _ in range(10):  # a new connection each time: the kernel spreads them over the workers
            c = client(url, "rl-limited")
            try:
                ask(c)
                results.append(True)
            except openai.RateLimitError:
                results.append(False)
            finally:
                c.close()
    assert results.count(True) == 5, results  # the tenant's burst exactly, across both workers
