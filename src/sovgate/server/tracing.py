"""OpenTelemetry spans per request: a SERVER span, and a CLIENT span per provider attempt.

Off unless `gateway.tracing` is set (then the `otel` extra must be installed). Spans carry
what the audit record says about a request (tenant, decision id, entity kinds and whose
jurisdiction, rules fired, eligible providers, the provider used and its countries), never
request or answer text. A caller's W3C `traceparent` makes the request part of the caller's
trace; providers chosen by `tracing.propagate` receive the attempt span's own `traceparent`,
so a self-hosted vLLM's spans join the trace.

Spans are exported in batches by the SDK's background thread (OTLP/HTTP, protobuf), never
on the event loop. The provider is built per worker process, after any fork.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sovgate import __version__
from sovgate.gateway._audit import subject_jurisdictions
from sovgate.gateway.config import Tracing as TracingSettings
from sovgate.gateway.errors import API_PATHS
from sovgate.gateway.record import Attempt, RequestRecord
from sovgate.types import Provider
from sovgate.upstream import outbound_headers

_ROUTES = API_PATHS
# GenAI semantic conventions: a legacy text completion is "text_completion"
_OPERATIONS = {
    "chat": "chat",
    "embeddings": "embeddings",
    "responses": "chat",
    "completions": "text_completion",
}


def _server(base_url: str | None) -> dict[str, Any]:
    """server.address / server.port of a provider's base URL (none for preview providers)."""
    url = urlsplit(base_url or "")
    if not url.hostname:
        return {}
    return {"server.address": url.hostname, "server.port": url.port or (443 if url.scheme == "https" else 80)}


class TracingUnavailable(RuntimeError):
    """`gateway.tracing` is set but the OpenTelemetry packages are not installed."""


def check_installed() -> None:
    """Raise TracingUnavailable unless the OpenTelemetry SDK and OTLP/HTTP exporter import."""
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError as exc:
        raise TracingUnavailable(
            f"OpenTelemetry is not installed ({exc.name} is missing): pip install 'sovgate[otel]'"
        ) from None


class Tracing:
    """Builds a tracer provider of its own (not the process-global one) from the settings."""

    def __init__(
        self, settings: TracingSettings, providers: Mapping[str, Provider], region: str, exporter: Any = None
    ):
        check_installed()
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        attributes = {"service.name": settings.service_name, "service.version": __version__}
        if region:
            attributes["sovgate.region"] = region
        self._provider = TracerProvider(
            resource=Resource.create(attributes),
            sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
        )
        # an endpoint of None: the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself
        if exporter is None:
            exporter = OTLPSpanExporter(endpoint=settings.endpoint or None)
        self._provider.add_span_processor(BatchSpanProcessor(exporter))
        self.tracer = self._provider.get_tracer("sovgate", __version__)
        self.propagator = TraceContextTextMapPropagator()
        self.trace = trace
        self.providers = providers
        self.servers = {pid: _server(p.base_url) for pid, p in providers.items()}
        # the virtual models of this config: a `model` a client sent that is none of them is its text
        self.models = frozenset(m for p in providers.values() for m in p.models)
        self.propagate = frozenset(
            pid
            for pid, p in providers.items()
            if settings.propagate == "all" or (settings.propagate == "on_prem" and p.on_prem)
        )

    def start(self, headers: list[tuple[bytes, bytes]], endpoint: str, request_id: str) -> RequestSpan:
        """The SERVER span of one API request, a child of the caller's span if it sent one."""
        parent = self._caller(headers)
        route = _ROUTES.get(endpoint, "/v1/models/{model}")
        method = "GET" if endpoint in ("models", "model") else "POST"
        span = self.tracer.start_span(
            f"{method} {route}",
            context=parent,
            kind=self.trace.SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "http.route": route,
                "url.scheme": "http",
                "url.path": _ROUTES.get(endpoint, "/v1/models/"),  # never a model name the client sent
                "gen_ai.operation.name": _OPERATIONS.get(endpoint, "models"),
                "sovgate.decision.id": request_id,
            },
        )
        return RequestSpan(self, span, endpoint)

    def _caller(self, headers: list[tuple[bytes, bytes]]) -> Any:
        """The caller's trace context (W3C): several tracestate lines are one list; several
        traceparent lines are invalid, so the request starts a trace of its own."""
        parents: list[str] = []
        states: list[str] = []
        for name, value in headers:
            if name == b"traceparent":
                parents.append(value.decode("latin-1"))
            elif name == b"tracestate":
                states.append(value.decode("latin-1"))
        if len(parents) != 1:
            return None
        carrier = {"traceparent": parents[0]}
        if states:
            carrier["tracestate"] = ",".join(states)
        return self.propagator.extract(carrier)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Export every ended span now (blocking); False if that took longer than `timeout_s`."""
        return bool(self._provider.force_flush(int(timeout_s * 1000)))

    def shutdown(self) -> None:
        """Export what is queued (bounded wait), then stop the exporter thread."""
        self._provider.shutdown()


class RequestSpan:
    """The spans of one request; the pipeline reports to it through `gateway._trace.RequestTrace`."""

    __slots__ = ("_attempt", "_endpoint", "_t", "span")

    def __init__(self, tracing: Tracing, span: Any, endpoint: str):
        self._t, self.span, self._endpoint = tracing, span, endpoint
        self._attempt: Any = None

    def attempt(self, provider: str) -> None:
        t = self._t
        self._end_attempt("an exception ended the attempt")  # one left open: never two at once
        operation = _OPERATIONS.get(self._endpoint, self._endpoint)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "sovgate.provider": provider,
            **t.servers.get(provider, {}),
        }
        self._attempt = span = t.tracer.start_span(
            f"{operation} {provider}",
            context=t.trace.set_span_in_context(self.span),
            kind=t.trace.SpanKind.CLIENT,
            attributes=attributes,
        )
        if provider in t.propagate:
            carrier: dict[str, str] = {}
            t.propagator.inject(carrier, context=t.trace.set_span_in_context(span))
            lines = "".join(f"{k}: {v}\r\n" for k, v in carrier.items() if "\r" not in v and "\n" not in v)
            outbound_headers.set(lines.encode("latin-1"))

    def attempt_ended(self, attempt: Attempt) -> None:
        span = self._attempt
        if span is None:
            return
        span.set_attribute("sovgate.attempt.outcome", attempt.outcome)
        if attempt.pseudonymized:
            span.set_attribute("sovgate.pseudonymized", list(attempt.pseudonymized))
        if attempt.outcome != "ok":
            span.set_attribute("error.type", attempt.outcome)
        self._end_attempt(None if attempt.outcome == "ok" else attempt.reason or attempt.outcome)

    def _end_attempt(self, error: str | None) -> None:
        """End the open attempt span, if any: failed with `error`, or succeeded (None)."""
        span, self._attempt = self._attempt, None
        if span is None:
            return
        outbound_headers.set(b"")
        if error is not None:
            span.set_status(self._t.trace.Status(self._t.trace.StatusCode.ERROR, error))
        span.end()

    def recorded(self, rec: RequestRecord, durable: bool | None) -> None:
        span = self.span
        if not span.is_recording():  # not sampled, or ended already
            return
        kinds = sorted({f.kind for f in rec.findings})
        values: dict[str, Any] = {
            "sovgate.tenant": rec.tenant,
            "sovgate.outcome": rec.outcome,
            "sovgate.provider": rec.provider,
            "sovgate.provider.operator_country": rec.operator_country,
            "sovgate.provider.hosting": list(rec.hosting),
            "gen_ai.request.model": rec.model if rec.model in self._t.models else None,
            "sovgate.stream": rec.stream,
            "sovgate.findings": kinds,
            "sovgate.findings.count": len(rec.findings),
            "sovgate.subject_jurisdictions": list(subject_jurisdictions(rec)),
            "sovgate.categories": list(rec.categories),
            "sovgate.rules": [f.rule for f in rec.fired],
            "sovgate.refused_by": rec.refused.rule if rec.refused is not None else None,
            "sovgate.eligible": list(rec.eligible),
            "sovgate.pseudonymized": list(rec.pseudonymized),
            "sovgate.attempts": len(rec.attempts),
            "sovgate.audit.durable": durable,
        }
        # OTel attributes take no None, and empty lists say nothing
        span.set_attributes({k: v for k, v in values.items() if v is not None and v != []})
        # status error and error.type for the server's failures only (5xx, a broken stream, an
        # unrecorded answer), as the HTTP conventions have it: a refusal's outcome is above
        error = None
        if durable is False:
            error = "audit append failed"
        elif rec.status >= 500 or (rec.stream and rec.outcome in ("upstream_error", "internal_error")):
            error = rec.message or rec.outcome
        if error is not None:
            span.set_attribute("error.type", rec.outcome if rec.outcome != "ok" else "audit_unavailable")
            span.set_status(self._t.trace.Status(self._t.trace.StatusCode.ERROR, error))

    def finish(self, status: int) -> None:
        """The answer's HTTP status (a stream: once it ended); ends the request's spans."""
        self._end_attempt("the request ended during the attempt")
        span = self.span
        span.set_attribute("http.response.status_code", status)
        # server errors only: a 4xx is the caller's (semantic conventions); keep a status set earlier
        error = self._t.trace.StatusCode.ERROR
        if status >= 500 and span.is_recording() and span.status.status_code is not error:
            span.set_status(self._t.trace.Status(error, f"HTTP {status}"))
        span.end()
