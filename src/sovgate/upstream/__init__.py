"""Wire adapters to providers: one per `protocol`, all behind `UpstreamPool`."""

from sovgate.upstream._answer import check_reply, check_stream
from sovgate.upstream._base import (
    Adapter,
    Endpoint,
    Hop,
    Reply,
    UpstreamError,
    UpstreamRejected,
    is_hop_value,
)
from sovgate.upstream._http import outbound_headers
from sovgate.upstream._outbound import Outbound
from sovgate.upstream._sse import event_data, sse_batches
from sovgate.upstream.pool import UpstreamPool

__all__ = [
    "Adapter",
    "Endpoint",
    "Hop",
    "Outbound",
    "Reply",
    "UpstreamError",
    "UpstreamPool",
    "UpstreamRejected",
    "check_reply",
    "check_stream",
    "event_data",
    "is_hop_value",
    "outbound_headers",
    "sse_batches",
]
