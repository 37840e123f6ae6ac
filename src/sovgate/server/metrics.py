"""Prometheus metrics of one app (own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


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
        self._children: dict[tuple[str, int, str], object] = {}

    def observe(self, endpoint: str, status: int, provider: str, seconds: float) -> None:
        key = (endpoint, status, provider)
        child = self._children.get(key)
        if child is None:  # label lookup is the costly part: do it once per combination
            child = self._children[key] = (
                self._requests.labels(endpoint, str(status), provider),
                self._duration.labels(endpoint),
            )
        counter, histogram = child  # type: ignore[misc]
        counter.inc()
        histogram.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
