"""The seam between the pipeline and request tracing (server/tracing.py: OpenTelemetry).

The server puts a `RequestTrace` on the `Request` when tracing is on; the pipeline reports
each provider attempt and the finished audit record to it, and knows nothing else about it.
"""

from __future__ import annotations

from typing import Protocol

from sovgate.gateway.record import Attempt, RequestRecord


class RequestTrace(Protocol):
    def attempt(self, provider: str) -> None:
        """An attempt to reach `provider` (its pseudonymization included) starts now."""
        ...

    def attempt_ended(self, attempt: Attempt) -> None:
        """The attempt started last ended so."""
        ...

    def recorded(self, rec: RequestRecord, durable: bool | None) -> None:
        """The request's audit record, once appended (`durable`), once the append failed, or (None)
        as it is handed to a background append (a stream the client left: the answer is over)."""
        ...
