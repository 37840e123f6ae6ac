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
    # unix time the circuit opened (or closed); for a hold, when it would have opened to half-open
    # at the end of the wait after one cool-down (so a later reader's age works out the same)
    at: float
    worker: str
    hold: float | None = None  # the provider's named wait, seconds from when this was sent


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Change).decode


class SharedBreakers:
    """Connects one worker's `Router` to the others through `client` (redis.asyncio)."""

    def __init__(self, client: Any, router: Router, *, prefix: str = "sovgate:breakers") -> None:
        self._client, self._router = client, router
        self.channel = self.hash = prefix
        self.worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # one publisher, in order: an open and the close right after it never arrive swapped
        self._outbox: asyncio.Queue[_Change] = asyncio.Queue()
        self._pending = 0  # changes queued or being published
        self._tasks: list[asyncio.Task[None]] = []
        self._own: set[str] = set()  # circuits this worker opened and has not seen closed
        self._remote: set[str] = set()  # circuits open here because another worker opened them
        self._warned = False
        self.subscribed = asyncio.Event()  # set while the listener is subscribed (tests wait on it)

    @classmethod
    def from_url(cls, url: str, router: Router) -> SharedBreakers:
        import redis.asyncio as aioredis

        return cls(aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=5), router)

    async def start(self) -> None:
        """Take the circuits open now, listen for changes, and report this worker's own."""
        self._router.on_change = self.changed
        self._router.on_hold = self.held
        self._tasks = [asyncio.ensure_future(self._publisher()), asyncio.ensure_future(self._listen())]

    async def aclose(self) -> None:
        self._router.on_change = self._router.on_hold = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self._client.aclose()

    @property
    def idle(self) -> bool:
        """Nothing left to publish (tests wait for it)."""
        return self._pending == 0

    # --- this worker's changes ------------------------------------------------------------

    def changed(self, provider: str, opened: bool) -> None:
        """Router.on_change: queued for the publisher (never on the request's path)."""
        (self._own.add if opened else self._own.discard)(provider)
        self._remote.discard(provider)
        self._send(_Change(provider, opened, time.time(), self.worker))

    def held(self, provider: str, wait_s: float) -> None:
        """Router.on_hold: opened for the provider's named wait; the others hold it as long."""
        self._own.add(provider)
        self._remote.discard(provider)
        at = time.time() + wait_s - self._router.cooldown_s
        self._send(_Change(provider, True, at, self.worker, wait_s))

    def _send(self, change: _Change) -> None:
        self._pending += 1
        self._outbox.put_nowait(change)

    async def _publisher(self) -> None:
        while True:
            change = await self._outbox.get()
            try:
                async with self._client.pipeline(transaction=True) as pipe:
                    if change.open:
                        # "at" or "at hold": the wait bounds what a reader holds (clock skew)
                        value = repr(change.at) if change.hold is None else f"{change.at!r} {change.hold!r}"
                        pipe.hset(self.hash, change.provider, value)
                    else:
                        pipe.hdel(self.hash, change.provider)
                    pipe.publish(self.channel, _encode(change))
                    await pipe.execute()
            except Exception as exc:  # the listener republishes this worker's opens once back
                self._warn(f"cannot share a circuit change ({exc!r})")
            finally:
                self._pending -= 1

    # --- the others' changes --------------------------------------------------------------

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    # the confirmation first: from then on no change is missed, so load after it
                    while (await pubsub.get_message(timeout=5) or {}).get("type") != "subscribe":
                        pass
                    await self._catch_up()
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

    async def _catch_up(self) -> None:
        """At start and after an outage: take the circuits others opened within one cool-down
        (older ones would be half-open: this worker's own probe decides), close those opened
        elsewhere that were closed meanwhile, and publish again what this worker opened."""
        now = time.time()
        cooldown = self._router.cooldown_s
        left: dict[str, float] = {}  # provider -> seconds it stays open
        for provider, value in (await self._client.hgetall(self.hash)).items():
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                at, _, hold = value.decode().partition(" ")
                # the rest of its cool-down, or of its wait (a hold's `at` can lie ahead); never
                # more than the whole of either, whatever the writer's clock said (NTP keeps them close)
                left[provider.decode()] = min(cooldown - (now - float(at)), float(hold) if hold else cooldown)
        for provider, wait in left.items():
            if provider not in self._own and wait > 0:
                self._router.apply_hold(provider, wait)
                self._remote.add(provider)
        for provider in [p for p in self._remote if p not in left]:
            self._router.apply(provider, None)
            self._remote.discard(provider)
        for provider in list(self._own):
            remaining = self._router.open_left(provider)
            if remaining is None:
                self._own.discard(provider)  # closed (or half-open: its probe decides) here since
                continue
            # as a hold for what is left of it: the others open it until it would half-open here,
            # not for a whole cool-down from now (nor for what is left of a named wait)
            self._send(_Change(provider, True, now + remaining - cooldown, self.worker, remaining))

    def _apply(self, data: bytes) -> None:
        try:
            change = _decode(data)
        except msgspec.MsgspecError:
            return  # not ours: someone else's message on the channel
        if change.worker == self.worker:
            return
        self._own.discard(change.provider)  # the latest change is another worker's now
        (self._remote.add if change.open else self._remote.discard)(change.provider)
        # a message is delivered as it is sent: opened now, whatever the sender's clock says
        if change.open and change.hold is not None:
            self._router.apply_hold(change.provider, change.hold)
        else:
            self._router.apply(change.provider, 0.0 if change.open else None)

    def _warn(self, message: str) -> None:
        if not self._warned:  # once per outage, not per change or reconnect attempt
            print(f"sovgate: {message}", file=sys.stderr)
            self._warned = True
