"""OpenTelemetry traces (`gateway.tracing`): the real pipeline served on loopback, spans exported
over OTLP/HTTP to a fake collector, upstream requests seen by fake providers, the official SDK as
the client."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakes.doubles_gateway import KEY as DOUBLES_KEY
from fakes.doubles_gateway import Setup
from fakes.openai_upstream import FakeOpenAI
from fakes.otlp_receiver import OtlpReceiver, Span
from fakes.serving import serve_in_thread
from sovgate.gateway.config import ConfigError, parse_config
from sovgate.gateway.runtime import check_tracing, open_gateway
from sovgate.server import create_app
from sovgate.server.app import App

KEY = "tracing-test-key"
KEY_ONPREM_FIRST = "tracing-test-key-2"
CONFIG = """
gateway:
  region: DE
  audit: "sqlite:///{audit}"
  tracing: {{endpoint: "{otlp}", service_name: sovgate-test, propagate: on_prem}}
providers:
  - {{id: us-global, protocol: openai, base_url: "{us}", auth: none, timeout_s: 2,
     operator_country: US, hosting: [US], models: {{chat: gpt-4o}}}}
  - {{id: fr-sovereign, protocol: openai, base_url: "{fr}", auth: none, timeout_s: 2,
     operator_country: FR, hosting: [FR], models: {{chat: mistral-large}}}}
  - {{id: de-onprem, protocol: openai, base_url: "{de}", auth: none, timeout_s: 2,
     operator_country: DE, hosting: [DE], on_prem: true, models: {{chat: llama-70b}}}}
tenants:
  - {{id: acme-de, home: DE, api_key_sha256: {digest}, policies: [baseline],
     route: [us-global, fr-sovereign, de-onprem]}}
  - {{id: onprem-first, home: DE, api_key_sha256: {digest2}, policies: [baseline],
     route: [de-onprem, us-global]}}
"""
# personal data of a German customer: the US provider may only get it pseudonymized
PERSONAL = "Bitte antworte Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00, wegen der Rechnung."
RAW_VALUES = ("Anna", "Schmidt", "DE89", "3704 0044", "0532 0130")


@dataclass
class Traced:
    url: str
    app: App
    otlp: OtlpReceiver
    fakes: dict[str, FakeOpenAI]

    def client(self, key: str = KEY) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url + "/v1", api_key=key, max_retries=0, timeout=20)

    def spans(self, trace_id: str, requests: int = 1) -> list[Span]:
        """The trace's spans once `requests` request spans arrived (a request span ends just
        after the answer's last byte went out, so the client can be a moment ahead of it)."""
        assert self.app.tracing is not None
        deadline = time.monotonic() + 10
        while True:
            assert self.app.tracing.flush()
            spans = self.otlp.trace(trace_id)
            if sum(s.kind == "server" for s in spans) >= requests or time.monotonic() > deadline:
                return spans
            time.sleep(0.01)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traced]:
    otlp = OtlpReceiver().start()
    fakes = {name: FakeOpenAI(name).start() for name in ("us", "fr", "de")}
    text = CONFIG.format(
        audit=tmp_path_factory.mktemp("audit") / "audit.db",
        otlp=otlp.endpoint,
        us=fakes["us"].base_url,
        fr=fakes["fr"].base_url,
        de=fakes["de"].base_url,
        digest=hashlib.sha256(KEY.encode()).hexdigest(),
        digest2=hashlib.sha256(KEY_ONPREM_FIRST.encode()).hexdigest(),
    )
    config = parse_config(text, "tracing.yaml")
    app = create_app(lambda: open_gateway(config))
    try:
        with serve_in_thread(app) as url:
            yield Traced(url, app, otlp, fakes)
    finally:
        otlp.stop()
        for fake in fakes.values():
            fake.stop()


@pytest.fixture
def tr(traced: Traced) -> Traced:
    for fake in traced.fakes.values():
        fake.reset()
    return traced


def _parent() -> tuple[str, str, str]:
    """A caller's sampled W3C trace context: (trace id, span id, traceparent header)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def _one(spans: list[Span], kind: str) -> Span:
    (span,) = [s for s in spans if s.kind == kind]
    return span


def _no_raw_values(spans: list[Span]) -> None:
    dumped = json.dumps([[s.name, s.attributes, s.status_message, s.resource] for s in spans])
    for value in RAW_VALUES:
        assert value not in dumped, f"{value!r} leaked into a span"


def test_a_request_joins_the_callers_trace_and_carries_the_decision(tr: Traced) -> None:
    trace_id, caller_span, traceparent = _parent()
    raw = tr.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": PERSONAL}],
        extra_headers={"traceparent": traceparent},
    )
    assert raw.status_code == 200
    spans = tr.spans(trace_id)
    server = _one(spans, "server")
    assert server.name == "POST /v1/chat/completions"
    assert server.parent_id == caller_span  # a child of the caller's span
    a = server.attributes
    assert a["sovgate.decision.id"] == raw.headers["x-sovgate-decision"]  # the audit record's id
    assert a["sovgate.provider"] == raw.headers["x-sovgate-provider"] == "us-global"
    assert a["sovgate.tenant"] == "acme-de"
    assert a["http.response.status_code"] == 200
    assert {"PERSON", "IBAN"} <= set(a["sovgate.findings"])
    assert a["sovgate.subject_jurisdictions"] == ["DE"]
    assert set(a["sovgate.pseudonymized"]) >= {"PERSON", "IBAN"}
    assert a["sovgate.provider.hosting"] == ["US"] and a["sovgate.provider.operator_country"] == "US"
    assert a["sovgate.rules"] and all("/" in r for r in a["sovgate.rules"])
    assert a["sovgate.audit.durable"] is True and a["sovgate.outcome"] == "ok"
    assert server.status == "unset"
    assert server.resource["service.name"] == "sovgate-test" and server.resource["sovgate.region"] == "DE"
    client = _one(spans, "client")
    assert client.parent_id == server.span_id
    assert client.name == "chat us-global"
    assert client.attributes["sovgate.attempt.outcome"] == "ok"
    assert client.attributes["server.address"] == "127.0.0.1"
    assert set(client.attributes["sovgate.pseudonymized"]) >= {"PERSON", "IBAN"}
    assert server.start_ns <= client.start_ns <= client.end_ns <= server.end_ns
    _no_raw_values(spans)
    # a provider that is not on-prem gets no trace context (tracing.propagate: on_prem)
    (received,) = tr.fakes["us"].received
    assert "traceparent" not in received.headers and "tracestate" not in received.headers
    assert "application/x-protobuf" in tr.otlp.content_types[-1]


def test_failover_is_one_client_span_per_attempt_and_on_prem_gets_the_trace(tr: Traced) -> None:
    tr.fakes["us"].fail_status = 500
    tr.fakes["fr"].fail_status = 503
    trace_id, _, traceparent = _parent()
    raw = tr.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        extra_headers={"traceparent": traceparent, "tracestate": "vendor=abc"},
    )
    assert raw.status_code == 200 and raw.headers["x-sovgate-provider"] == "de-onprem"
    spans = tr.spans(trace_id)
    server = _one(spans, "server")
    clients = sorted((s for s in spans if s.kind == "client"), key=lambda s: s.start_ns)
    assert [c.name for c in clients] == ["chat us-global", "chat fr-sovereign", "chat de-onprem"]
    assert all(c.parent_id == server.span_id for c in clients)
    for failed in clients[:2]:
        assert failed.status == "error"
        assert failed.attributes["error.type"] == "upstream_error"
        assert "HTTP 50" in failed.status_message  # the reason the attempt failed
    assert clients[2].status == "unset" and clients[2].attributes["sovgate.attempt.outcome"] == "ok"
    assert server.attributes["sovgate.attempts"] == 3
    # the on-prem provider received the trace context of its own attempt span
    (received,) = tr.fakes["de"].received
    assert received.headers["traceparent"] == f"00-{trace_id}-{clients[2].span_id}-01"
    assert received.headers["tracestate"] == "vendor=abc"
    for name in ("us", "fr"):
        assert "traceparent" not in tr.fakes[name].received[0].headers


def test_a_refusal_is_traced_with_the_rule_and_no_attempt(tr: Traced) -> None:
    trace_id, _, traceparent = _parent()
    key = (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq3" + "A" * 60 + "\n-----END RSA PRIVATE KEY-----"
    )
    with pytest.raises(openai.PermissionDeniedError) as info:
        tr.client().chat.completions.create(
            model="chat",
            messages=[{"role": "user", "content": f"Debug this: {key}"}],
            extra_headers={"traceparent": traceparent},
        )
    assert info.value.status_code == 403
    spans = tr.spans(trace_id)
    server = _one(spans, "server")
    assert not [s for s in spans if s.kind == "client"]
    a = server.attributes
    assert a["http.response.status_code"] == 403
    assert a["sovgate.outcome"] == "policy_denied" and "error.type" not in a  # the caller's error
    assert a["sovgate.refused_by"].startswith("baseline/")
    assert a["sovgate.findings"] == ["SECRET"] and a["sovgate.refused_by"] == "baseline/secrets"
    assert server.status == "unset"  # a 4xx is the caller's error, not the server's
    assert "MIIEowIBAAKCAQEA" not in json.dumps([s.attributes for s in spans])
    assert not any(f.received for f in tr.fakes.values())


def test_a_stream_is_traced_until_it_ends(tr: Traced) -> None:
    trace_id, _, traceparent = _parent()
    stream = tr.client().chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": PERSONAL}],
        stream=True,
        extra_headers={"traceparent": traceparent},
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert "Anna Schmidt" in text  # restored in the answer
    spans = tr.spans(trace_id)
    server = _one(spans, "server")
    client = _one(spans, "client")
    assert server.attributes["sovgate.stream"] is True
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["sovgate.audit.durable"] is True
    assert client.end_ns <= server.end_ns  # the request span lasts until the stream ended
    _no_raw_values(spans)


def test_a_request_without_trace_context_starts_a_trace_and_bad_headers_are_ignored(tr: Traced) -> None:
    before = {s.span_id for s in tr.otlp.spans}
    for headers in ({}, {"traceparent": "00-nothex-0000000000000000-01", "tracestate": "=bad,,"}):
        r = httpx.post(
            tr.url + "/v1/chat/completions",
            json={"model": "chat", "messages": [{"role": "user", "content": "Hello"}]},
            headers={"authorization": f"Bearer {KEY}", **headers},
        )
        assert r.status_code == 200
    assert tr.app.tracing is not None
    deadline = time.monotonic() + 10
    while True:
        assert tr.app.tracing.flush()
        servers = [s for s in tr.otlp.spans if s.span_id not in before and s.kind == "server"]
        if len(servers) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert len(servers) == 2
    assert all(s.parent_id == "" for s in servers)  # roots of new traces
    assert len({s.trace_id for s in servers}) == 2


def test_bad_requests_and_listings_are_traced_too(tr: Traced) -> None:
    trace_id, _, traceparent = _parent()
    r = httpx.post(
        tr.url + "/v1/chat/completions",
        content=b"{not json",
        headers={"authorization": f"Bearer {KEY}", "traceparent": traceparent},
    )
    assert r.status_code == 400
    r2 = httpx.get(
        tr.url + "/v1/models", headers={"authorization": f"Bearer {KEY}", "traceparent": traceparent}
    )
    assert r2.status_code == 200
    spans = sorted(tr.spans(trace_id, requests=2), key=lambda s: s.start_ns)
    assert [(s.name, s.attributes["http.response.status_code"]) for s in spans] == [
        ("POST /v1/chat/completions", 400),
        ("GET /v1/models", 200),
    ]
    assert spans[0].attributes["sovgate.outcome"] == "invalid_json"  # the error code the client got
    assert "gen_ai.request.model" not in spans[0].attributes
    assert spans[0].attributes["sovgate.decision.id"] == r.headers["x-sovgate-decision"]


def test_the_trace_context_of_an_on_prem_attempt_never_goes_to_the_next_provider(tr: Traced) -> None:
    tr.fakes["de"].fail_status = 500  # the on-prem provider, tried first, fails: us-global takes over
    trace_id, _, traceparent = _parent()
    raw = tr.client(KEY_ONPREM_FIRST).chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        extra_headers={"traceparent": traceparent},
    )
    assert raw.headers["x-sovgate-provider"] == "us-global"
    spans = tr.spans(trace_id)
    onprem = next(s for s in spans if s.name == "chat de-onprem")
    (to_onprem,) = tr.fakes["de"].received
    assert to_onprem.headers["traceparent"] == f"00-{trace_id}-{onprem.span_id}-01"
    (to_us,) = tr.fakes["us"].received
    assert "traceparent" not in to_us.headers and "tracestate" not in to_us.headers


def test_tracestate_lines_are_one_list_and_two_traceparents_none(tr: Traced) -> None:
    trace_id, _, traceparent = _parent()
    headers = [("authorization", f"Bearer {KEY_ONPREM_FIRST}"), ("traceparent", traceparent)]
    body = {"model": "chat", "messages": [{"role": "user", "content": "Hello"}]}
    r = httpx.post(
        tr.url + "/v1/chat/completions",
        json=body,
        headers=[*headers, ("tracestate", "a=1"), ("tracestate", "b=2")],
    )
    assert r.status_code == 200
    assert tr.fakes["de"].received[-1].headers["tracestate"] == "a=1,b=2"
    assert _one(tr.spans(trace_id), "server").parent_id != ""
    other, _, second = _parent()
    r = httpx.post(tr.url + "/v1/chat/completions", json=body, headers=[*headers, ("traceparent", second)])
    assert r.status_code == 200
    sent = tr.fakes["de"].received[-1].headers["traceparent"]
    assert trace_id not in sent and other not in sent  # an invalid context: a trace of its own


def test_a_stream_the_client_leaves_still_says_what_was_decided(tr: Traced) -> None:
    tr.fakes["us"].chunk_delay_s = 0.02  # a slow stream, left after a few events
    trace_id, _, traceparent = _parent()
    headers = {"authorization": f"Bearer {KEY}", "traceparent": traceparent}
    body = {"model": "chat", "stream": True, "messages": [{"role": "user", "content": PERSONAL * 3}]}
    with httpx.stream("POST", tr.url + "/v1/chat/completions", json=body, headers=headers) as r:
        assert r.status_code == 200
        for n, _ in enumerate(r.iter_lines()):
            if n >= 8:
                break
    spans = tr.spans(trace_id)
    a = _one(spans, "server").attributes
    assert a["sovgate.outcome"] == "client_disconnected"
    assert a["sovgate.provider"] == "us-global" and {"PERSON", "IBAN"} <= set(a["sovgate.findings"])
    assert "sovgate.audit.durable" not in a  # appended after the span ended
    _no_raw_values(spans)


# --- without tracing, and configuration ---------------------------------------------------------


def test_without_tracing_no_trace_context_goes_upstream(gw: Setup) -> None:
    """The doubles gateway has no `gateway.tracing`: a caller's traceparent stays with sovgate."""
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        json={"model": "chat", "messages": [{"role": "user", "content": "Hello"}]},
        headers={"authorization": f"Bearer {DOUBLES_KEY}", "traceparent": _parent()[2]},
    )
    assert r.status_code == 200
    received = [x for f in (gw.us, gw.fr, gw.de) for x in f.received]
    assert received and all("traceparent" not in x.headers for x in received)


_MINIMAL = """
gateway: {{tracing: {tracing}}}
providers: [{{id: a, protocol: preview, models: {{chat: m}}}}]
tenants: [{{id: t, home: DE, api_key_sha256: "{digest}", route: [a]}}]
"""


def _config(tracing: str) -> Any:
    return parse_config(_MINIMAL.format(tracing=tracing, digest="f" * 64), "t.yaml")


@pytest.mark.parametrize(
    ("tracing", "key", "reason"),
    [
        ("{sample_ratio: 1.5}", "gateway.tracing.sample_ratio", "between 0 and 1"),
        ("{propagate: everyone}", "gateway.tracing.propagate", "on_prem, all or none"),
        ("{endpoint: collector:4318}", "gateway.tracing.endpoint", "http(s) URL"),
        ('{service_name: " "}', "gateway.tracing.service_name", "must not be empty"),
        ("{exporter: jaeger}", "gateway.tracing", "exporter"),
    ],
)
def test_tracing_config_errors_name_the_key(tracing: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(tracing)
    assert f"t.yaml:2: {key}" in str(info.value) and reason in str(info.value)


def test_tracing_defaults() -> None:
    settings = _config("{}").gateway.tracing
    assert settings is not None
    assert (settings.endpoint, settings.service_name, settings.sample_ratio, settings.propagate) == (
        "",
        "sovgate",
        1.0,
        "on_prem",
    )
    assert _config("null").gateway.tracing is None


def test_tracing_without_the_packages_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # import fails
    with pytest.raises(ConfigError) as info:
        check_tracing(_config("{}"))
    assert "gateway.tracing" in str(info.value) and "pip install 'sovgate[otel]'" in str(info.value)


def test_sampling_follows_the_caller_and_the_ratio_otherwise() -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from sovgate.gateway.config import Tracing as Settings
    from sovgate.server.tracing import Tracing

    exporter = InMemorySpanExporter()
    tracing = Tracing(Settings(sample_ratio=0.0), {}, "DE", exporter=exporter)
    try:
        for header in (None, "00-{}-{}-00", "00-{}-{}-01"):
            headers = [] if header is None else [(b"traceparent", header.format(*_parent()[:2]).encode())]
            tracing.start(headers, "chat", "r").finish(200)
        assert tracing.flush()
        # ratio 0: no trace of its own, none for an unsampled caller, the sampled caller's one
        (kept,) = exporter.get_finished_spans()
        assert kept.parent is not None and kept.parent.is_remote
    finally:
        tracing.shutdown()


def test_docs_name_every_span_attribute() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    src = (Path(__file__).parents[2] / "src" / "sovgate" / "server" / "tracing.py").read_text()
    names = set(re.findall(r'"((?:sovgate|gen_ai|http|server|url|error)\.[a-z_.]+)"', src))
    assert len(names) > 20 and {n for n in names if f"`{n}`" not in doc} == set()
