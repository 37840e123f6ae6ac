"""`gateway.breaker.shared`: the real `sovgate serve --workers 2` on one Redis; a provider that
failed on one worker is tried last by the other too (the fake providers count what reached them)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import redis

from fakes.e2e_gateway import serve_cli as serve
from fakes.openai_upstream import FakeOpenAI
from fakes.redis_server import redis_url

CONFIG = """
gateway:
  region: DE
  audit: sqlite:///./sovgate-audit.db
  breaker: {{failures: 1, cooldown_s: 120, shared: "{redis}"}}
providers:
  - {{id: p-down, protocol: openai, base_url: "{down}", auth: none, operator_country: DE, hosting: [DE],
     models: {{chat: m}}}}
  - {{id: p-up, protocol: openai, base_url: "{up}", auth: none, operator_country: DE, hosting: [DE],
     models: {{chat: m}}}}
tenants:
  - {{id: t, home: DE, api_key_env: SHARED_TEST_KEY, route: [p-down, p-up]}}
"""


def test_workers_share_open_circuits(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = redis_url(request, 14)
    store = redis.Redis.from_url(url)
    store.delete("sovgate:breakers")  # db 14 is this test's own
    down, up = FakeOpenAI("down", fail_status=500).start(), FakeOpenAI("up").start()
    config = tmp_path / "sovgate.yaml"
    config.write_text(CONFIG.format(redis=url, down=down.base_url, up=up.base_url))
    body = {"model": "chat", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    headers = {"authorization": "Bearer k"}
    try:
        with serve(["--config", str(config), "--workers", "2"], tmp_path, {"SHARED_TEST_KEY": "k"}) as base:

            def ask() -> str:
                # a new connection each time: the kernel spreads them over both workers
                with httpx.Client(base_url=base, timeout=10) as client:
                    r = client.post("/v1/chat/completions", json=body, headers=headers)
                assert r.status_code == 200, r.text
                return r.headers["x-sovgate-provider"]

            assert ask() == "p-up"  # p-down failed: its circuit opens on that worker, and is shared
            assert len(down.received) == 1
            deadline = time.monotonic() + 5
            while store.hget("sovgate:breakers", "p-down") is None:
                assert time.monotonic() < deadline, "the open circuit was not shared"
                time.sleep(0.05)
            time.sleep(0.3)  # the other worker's listener applies it
            providers = [ask() for _ in range(12)]
            # with a breaker per worker, the other worker's first request would have tried p-down
            # (12 connections all landing on the first worker: about 1 in 4,000)
            assert providers == ["p-up"] * 12
            assert len(down.received) == 1
            assert len(up.received) == 13
    finally:
        down.stop()
        up.stop()
        store.delete("sovgate:breakers")
        store.close()
