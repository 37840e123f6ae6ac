"""Splitting an SSE byte stream into events without decoding them."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator


async def sse_batches(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[bytes]]:
    """The events completed by each chunk read (without blank-line terminators), as one list.

    Batching per read lets the gateway answer with one write per upstream read instead of
    one per event. Comments and keep-alives are dropped.
    """
    buf = b""
    async for chunk in chunks:
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        buf += chunk
        events = []
        while True:
            cut = buf.find(b"\n\n")
            if cut < 0:
                break
            event, buf = buf[:cut], buf[cut + 2 :]
            if event and not event.startswith(b":"):
                events.append(event)
        if events:
            yield events
    event = buf.strip(b"\n")
    if event and not event.startswith(b":"):
        yield [event]


def event_data(event: bytes) -> bytes | None:
    """The data of an event (joined data lines), or None when it has none."""
    if event.startswith(b"data:") and b"\n" not in event:
        return event[5:].lstrip(b" ")
    lines = [line[5:].lstrip(b" ") for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None
