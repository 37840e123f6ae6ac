"""Prometheus metrics of one app (own registry, so several apps can live in one process)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from sovgate.gateway._audit import subject_jurisdictions
from sovgate.gateway.record import RequestRecord


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "sovgate_requests",
            "Requests answered, by endpoint, HTTP status and serving provider.",
            ("endpoint", "status", "provider"),
            registry=self.registry,
        )
        self._duration = Histogram(
            "sovgate_request_duration_seconds",
            "Time to the response head (first event for streams), by endpoint.",
            ("endpoint",),
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self._children: dict[tuple[str, int, str], tuple[Counter, Histogram]] = {}
        self._attempts = Counter(
            "sovgate_upstream_attempts",
            "Attempts to reach a provider, by outcome"
            " (ok, upstream_error, upstream_rejected, protection_failed).",
            ("provider", "outcome"),
            registry=self.registry,
        )
        self._attempt_children: dict[tuple[str, str], Counter] = {}
        self._tokens = Counter(
            "sovgate_tenant_tokens",
            "Tokens charged to the token budgets of tenants with rate_limit.tokens_per_minute, by"
            " tenant and source (reported: the provider's usage; estimated: it reported none).",
            ("tenant", "source"),
            registry=self.registry,
        )

        # what the decisions were about, counted in plain dicts on the request path (a labelled
        # prometheus Counter costs ~1 µs per increment, its lock included) and exported at scrape
        self._decisions = _DecisionCounts()
        self.registry.register(self._decisions)

    def record(self, rec: RequestRecord) -> None:
        """Count what a recorded request's decision was about: rules, kinds found, data flows."""
        if rec.findings or rec.fired:  # most requests: nothing sensitive, no rule
            self._decisions.add(rec)

    def tokens(self, tenant: str, tokens: int, reported: bool) -> None:
        self._tokens.labels(tenant, "reported" if reported else "estimated").inc(tokens)

    def attempt(self, provider: str, outcome: str) -> None:
        child = self._attempt_children.get((provider, outcome))
        if child is None:
            child = self._attempt_children[(provider, outcome)] = self._attempts.labels(provider, outcome)
        child.inc()

    def watch_breakers(self, providers: Iterable[str], health: Callable[[], Mapping[str, int]]) -> None:
        """Export each provider's circuit state (0 closed, 1 half-open, 2 open), read at scrape time."""
        self.registry.register(_BreakerCollector(tuple(providers), health))

    def observe(self, endpoint: str, status: int, provider: str, seconds: float) -> None:
        key = (endpoint, status, provider)
        child = self._children.get(key)
        if child is None:  # label lookup is the costly part: do it once per combination
            child = self._children[key] = (
                self._requests.labels(endpoint, str(status), provider),
                self._duration.labels(endpoint),
            )
        counter, histogram = child
        counter.inc()
        histogram.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _BreakerCollector(Collector):
    def __init__(self, providers: tuple[str, ...], health: Callable[[], Mapping[str, int]]):
        self._providers, self._health = providers, health

    def collect(self) -> Iterable[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "sovgate_provider_circuit_state",
            "Circuit breaker state per provider: 0 closed, 1 half-open (probing), 2 open.",
            labels=("provider",),
        )
        health = self._health()
        for pid in self._providers:
            gauge.add_metric((pid,), int(health.get(pid, 0)))
        yield gauge


class _DecisionCounts(Collector):
    """Requests by rule fired, by kind found and by data flow, from the records of the decisions."""

    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], int] = {}
        self.kinds: dict[str, int] = {}
        self.flows: dict[tuple[str, str, str], int] = {}

    def add(self, rec: RequestRecord) -> None:
        rules, kinds = self.rules, self.kinds
        for f in rec.fired:
            key = (f.rule, f.effect)
            rules[key] = rules.get(key, 0) + 1
        for kind in {f.kind for f in rec.findings}:
            kinds[kind] = kinds.get(kind, 0) + 1
        if rec.provider is not None and rec.status < 400 and rec.hosting:
            flows, masked = self.flows, "true" if rec.pseudonymized else "false"
            for subject in subject_jurisdictions(rec):
                for dest in rec.hosting:
                    flow = (subject, dest, masked)
                    flows[flow] = flows.get(flow, 0) + 1

    def collect(self) -> Iterable[CounterMetricFamily]:
        rules = CounterMetricFamily(
            "sovgate_policy_rules_fired",
            "Requests in which a policy rule fired, by rule and effect (refuse: the request was refused).",
            labels=("rule", "effect"),
        )
        for labels, n in list(self.rules.items()):  # a copy: the loop's thread may add meanwhile
            rules.add_metric(labels, n)
        kinds = CounterMetricFamily(
            "sovgate_finding_requests",
            "Requests in which something of this kind was found (entity type or category).",
            labels=("kind",),
        )
        for kind, n in list(self.kinds.items()):
            kinds.add_metric((kind,), n)
        flows = CounterMetricFamily(
            "sovgate_data_flows",
            "Requests served with personal data of subjects in one jurisdiction by a provider hosted in"
            " another or the same, by whether that data was pseudonymized for it.",
            labels=("subject", "destination", "pseudonymized"),
        )
        for labels3, n in list(self.flows.items()):
            flows.add_metric(labels3, n)
        yield from (rules, kinds, flows)
