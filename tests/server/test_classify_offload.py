"""A large request is classified off the event loop; an oversized one is refused with 413, unsent."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import msgspec
import pytest

from fakes import doubles
from fakes.doubles_gateway import KEY, Setup
from sovgate.gateway._offload import OFFLOAD_CHARS

AUTH = {"authorization": f"Bearer {KEY}"}


def _chat(text: str) -> dict[str, object]:
    return {"model": "chat", "messages": [{"role": "user", "content": text}]}


def test_large_text_is_classified_in_a_thread_and_health_stays_responsive(
    gw: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []

    def slow(segments):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        if sum(len(s.text) for s in segments) > OFFLOAD_CHARS:
            time.sleep(1.5)  # stands for a slow classification holding its thread
        return doubles.classify(segments)

    monkeypatch.setattr(gw.gateway, "classify", slow)
    with ThreadPoolExecutor(1) as pool:
        big = pool.submit(
            httpx.post, gw.url + "/v1/chat/completions", json=_chat("x " * 20000), headers=AUTH, timeout=10
        )
        time.sleep(0.3)
        t0 = time.perf_counter()
        health = httpx.get(gw.url + "/healthz")
        waited = time.perf_counter() - t0
        small = httpx.post(gw.url + "/v1/chat/completions", json=_chat("hello"), headers=AUTH)
        assert big.result().status_code == 200
    assert health.status_code == 200 and waited < 0.5, waited
    assert small.status_code == 200
    assert threads[0].startswith("sovgate-classify")  # the large one
    assert not threads[1].startswith("sovgate-classify")  # small ones stay on the loop


def test_text_over_max_classify_chars_is_413_and_nothing_sent(
    gw: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = msgspec.structs.replace(gw.config.gateway, max_classify_chars=1000)
    monkeypatch.setattr(gw.gateway, "config", msgspec.structs.replace(gw.config, gateway=settings))
    r = httpx.post(gw.url + "/v1/chat/completions", json=_chat("y" * 1001), headers=AUTH)
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "request_too_large" and "gateway.max_classify_chars" in err["message"]
    assert "1,001" in err["message"]
    assert not gw.us.received and not gw.fr.received and not gw.de.received
    assert gw.audit.by_id(r.headers["x-sovgate-decision"]).status == 413
    ok = httpx.post(gw.url + "/v1/chat/completions", json=_chat("y" * 1000), headers=AUTH)
    assert ok.status_code == 200
