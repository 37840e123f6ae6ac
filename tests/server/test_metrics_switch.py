"""`gateway.metrics: false` takes /metrics off the API port."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from fakes.doubles_gateway import Setup
from sovgate.gateway.config import parse_config

MINIMAL = """
gateway: {{metrics: {value}}}
providers: [{{id: a, protocol: preview, models: {{chat: m}}}}]
tenants: [{{id: t, home: DE, api_key_sha256: "{digest}", route: [a]}}]
"""


def test_metrics_switch_is_read_from_the_config() -> None:
    digest = "f" * 64
    assert parse_config(MINIMAL.format(value="true", digest=digest)).gateway.metrics is True
    assert parse_config(MINIMAL.format(value="false", digest=digest)).gateway.metrics is False


def test_metrics_off_is_404_and_the_api_still_serves(gw: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    assert httpx.get(gw.url + "/metrics").status_code == 200
    settings = msgspec.structs.replace(gw.config.gateway, metrics=False)
    monkeypatch.setattr(gw.gateway, "config", msgspec.structs.replace(gw.config, gateway=settings))
    r = httpx.get(gw.url + "/metrics")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert "sovgate_requests_total" not in r.text
    assert httpx.get(gw.url + "/healthz").status_code == 200
