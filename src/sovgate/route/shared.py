"""Circuit states shared by every worker and host of a deployment, through Redis.

Without it each worker learns a provider's failure on its own: with N workers (or pods) a
provider that went down takes N times `breaker.failures` failed attempts, each up to the
provider's timeout, before every worker tries it last. With `gateway.breaker.shared` a
worker whose breaker opens or closes a circuit tells the others at once (pub/sub), and
keeps the open circuits in a hash, so a worker that starts later begins with them.

Only transitions cross the network, never a request's path: a publish is a background
task. Shared health is advice about order, never about eligibility (only the policy
decides who may see the data), so a Redis that cannot be reached costs nothing but the
sharing: each worker goes on with its own breakers, and the listener reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from typing import Any

import msgspec

from sovgate.route.router import Router

_RECONNECT_S = (0.5, 1.0, 2.0, 5.0)  # listener back-off after losing Redis, then every 5 s


class _Change(msgspec.Struct, frozen=True):
    provider: str
    open: bool
    at: float  # unix time the circuit opened (or closed)
    worker: str


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Change).decode


class SharedBreakers:
    """Connects one worker's `Router` to the others through `client` (redis.asyncio)."""

    def __init__(self, client: Any, router: Router, *, prefix: str = "sovgate:breakers") -> None:
        self._client, self._router = client, router
        self.channel = self.hash = prefix
        self.worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._warned = False
        self.subscribed = asyncio.Event()  # set while the listener is subscribed (tests wait on it)

    @classmethod
    def from_url(cls, url: str, router: Router) -> SharedBreakers:
        import redis.asyncio as aioredis

        return cls(aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=5), router)

    async def start(self) -> None:
        """Take the circuits open now, listen for changes, and report this worker's own."""
        self._router.on_change = self.changed
        self._listener = asyncio.ensure_future(self._listen())

    async def aclose(self) -> None:
        self._router.on_change = None
        tasks = [*self._tasks, *([self._listener] if self._listener is not None else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self._client.aclose()

    # --- this worker's changes ------------------------------------------------------------

    def changed(self, provider: str, opened: bool) -> None:
        """Router.on_change: publish in the background (never on the request's path)."""
        change = _Change(provider, opened, time.time(), self.worker)
        task = asyncio.ensure_future(self._publish(change))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, change: _Change) -> None:
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                if change.open:
                    pipe.hset(self.hash, change.provider, repr(change.at))
                else:
                    pipe.hdel(self.hash, change.provider)
                pipe.publish(self.channel, _encode(change))
                await pipe.execute()
        except Exception as exc:
            self._warn(f"cannot share a circuit change ({exc!r})")

    # --- the others' changes --------------------------------------------------------------

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    await self._load()  # after subscribing: nothing between the two is missed
                    self.subscribed.set()
                    attempt, self._warned = 0, False
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
                        if message is not None and message.get("type") == "message":
                            self._apply(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.clear()
                self._warn(f"shared circuit states unavailable, each worker keeps its own ({exc!r})")
                await asyncio.sleep(_RECONNECT_S[min(attempt, len(_RECONNECT_S) - 1)])
                attempt += 1

    async def _load(self) -> None:
        """The circuits other workers opened within one cool-down (older ones would be half-open:
        this worker's own probe decides about them)."""
        now = time.time()
        for provider, at in (await self._client.hgetall(self.hash)).items():
            try:
                age = now - float(at)
            except ValueError:
                continue
            if age < self._router.cooldown_s:
                self._router.apply(provider.decode(), age)

    def _apply(self, data: bytes) -> None:
        try:
            change = _decode(data)
        except msgspec.MsgspecError:
            return  # not ours: someone else's message on the channel
        if change.worker == self.worker:
            return
        self._router.apply(change.provider, max(0.0, time.time() - change.at) if change.open else None)

    def _warn(self, message: str) -> None:
        if not self._warned:  # once per outage, not per request
            print(f"sovgate: {message}", file=sys.stderr)
            self._warned = True
