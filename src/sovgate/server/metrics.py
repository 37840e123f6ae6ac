"""Prometheus metrics of one app (own registry, so several apps can live in one process).

With `serve --workers N`, every worker answers /metrics on the shared port, and the kernel
picks which: each worker's own counts would make every scrape show another worker's numbers
(a counter going down is a reset to Prometheus). `share_between_processes` turns on
prometheus_client's multiprocess mode before the workers fork: values live in memory-mapped
files of one directory, and whichever worker is asked sums them all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from sovgate.gateway._audit import subject_jurisdictions
from sovgate.gateway.record import RequestRecord

SHARED_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own switch


def share_between_processes(path: str) -> None:
    """From now on, keep metric values in files under `path` (an empty directory), summed over
    every process at scrape. Call before the `App` is built and before the workers fork."""
    os.environ[SHARED_DIR_ENV] = path
    if not getattr(values.ValueClass, "_multiprocess", False):  # chosen at import: choose again
        values.ValueClass = values.MultiProcessValue()


def worker_exited(pid: int) -> None:
    """Drop a dead worker's circuit states (its counts stay: they are totals)."""
    path = os.environ.get(SHARED_DIR_ENV)
    if path:
        mark_process_dead(pid, path)


def _shared_dir() -> str | None:
    path = os.environ.get(SHARED_DIR_ENV)
    return path if path and getattr(values.ValueClass, "_multiprocess", False) else None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # where the workers' values are summed (None: this process's own, in memory)
        self.shared_dir = _shared_dir()
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
        self._circuit = Gauge(
            "sovgate_provider_circuit_state",
            "Circuit breaker state per provider: 0 closed, 1 half-open (probing), 2 open"
            " (with several workers: the worst any live worker sees).",
            ("provider",),
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self._health: Callable[[], Mapping[str, int]] | None = None
        self._providers: tuple[str, ...] = ()
        # What the decisions were about. Counted in plain dicts on the request path (a labelled
        # Counter costs ~1 µs per increment, ~2 µs when shared) and moved into these at `flush`.
        self._rules = Counter(
            "sovgate_policy_rules_fired",
            "Requests in which a policy rule fired, by rule and effect (refuse: the request was refused).",
            ("rule", "effect"),
            registry=self.registry,
        )
        self._kinds = Counter(
            "sovgate_finding_requests",
            "Requests in which something of this kind was found (entity type or category).",
            ("kind",),
            registry=self.registry,
        )
        self._flows = Counter(
            "sovgate_data_flows",
            "Requests served with personal data of subjects in one jurisdiction by a provider hosted in"
            " another or the same, by whether that data was pseudonymized for it.",
            ("subject", "destination", "pseudonymized"),
            registry=self.registry,
        )
        self._counts = _DecisionCounts()
        self._labelled: dict[tuple[str, ...], Counter] = {}

    def record(self, rec: RequestRecord) -> None:
        """Count what a recorded request's decision was about: rules, kinds found, data flows."""
        if rec.findings or rec.fired:  # most requests: nothing sensitive, no rule
            self._counts.add(rec)

    def tokens(self, tenant: str, tokens: int, reported: bool) -> None:
        self._tokens.labels(tenant, "reported" if reported else "estimated").inc(tokens)

    def attempt(self, provider: str, outcome: str) -> None:
        child = self._attempt_children.get((provider, outcome))
        if child is None:
            child = self._attempt_children[(provider, outcome)] = self._attempts.labels(provider, outcome)
        child.inc()

    def watch_breakers(self, providers: Iterable[str], health: Callable[[], Mapping[str, int]]) -> None:
        """Export each provider's circuit state (0 closed, 1 half-open, 2 open), read at `flush`."""
        self._providers, self._health = tuple(providers), health

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

    def flush(self) -> None:
        """Move the decision counts into their counters and read the circuit states: at every
        scrape, and every second in each worker when shared (so the one asked sees the others')."""
        rules, kinds, flows = self._counts.take()
        for (rule, effect), n in rules.items():
            self._child(self._rules, "r", rule, effect).inc(n)
        for kind, n in kinds.items():
            self._child(self._kinds, "k", kind).inc(n)
        for (subject, dest, masked), n in flows.items():
            self._child(self._flows, "f", subject, dest, masked).inc(n)
        if self._health is not None:
            health = self._health()
            for pid in self._providers:
                self._circuit.labels(pid).set(int(health.get(pid, 0)))

    def _child(self, counter: Counter, family: str, *labels: str) -> Counter:
        key = (family, *labels)
        child = self._labelled.get(key)
        if child is None:  # label lookup is the costly part: once per combination
            child = self._labelled[key] = counter.labels(*labels)
        return child

    def render(self) -> bytes:
        self.flush()
        if self.shared_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()  # every worker's files, summed (this one's included)
        MultiProcessCollector(registry, path=self.shared_dir)
        return generate_latest(registry)


class _DecisionCounts:
    """Requests by rule fired, by kind found and by data flow since the last `take`."""

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

    def take(
        self,
    ) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[tuple[str, str, str], int]]:
        """The counts so far, and start again from zero (on the event loop's thread, like `add`)."""
        out = self.rules, self.kinds, self.flows
        self.rules, self.kinds, self.flows = {}, {}, {}
        return out
