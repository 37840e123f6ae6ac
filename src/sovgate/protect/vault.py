"""Where a conversation's pseudonym mapping lives between turns: memory or Redis, with a TTL.

Both vaults have the same async interface::

    session = await vault.load(conversation_id)   # a fresh session when none is stored
    masked, report = pz.protect(..., session)
    if not await vault.save(session):              # another worker added tokens meanwhile
        ...                                        # load again and protect again

`RedisVault` never stores a value in the clear: each value is AES-256-GCM encrypted
with a per-deployment key (bound to its conversation and token), value lookups use a
keyed HMAC, and the Redis key is an HMAC of the conversation id. A Redis dump shows
tokens and entity types, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sovgate.protect.session import Entry, PseudonymSession

CONVERSATION_HEADER = "x-sovgate-conversation"
KEY_ENV = "SOVGATE_VAULT_KEY"


class VaultError(Exception):
    """The vault cannot be read or written (unreachable, or a key that does not decrypt).

    Fail closed: without the mapping, answers cannot be restored and new tokens could
    collide, so the request must not be sent.
    """


class Vault(Protocol):
    async def load(self, conversation_id: str) -> PseudonymSession: ...
    async def save(self, session: PseudonymSession) -> bool: ...
    async def drop(self, conversation_id: str) -> None: ...


def conversation_id(tenant_id: str, headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """The vault key of a request's conversation, or None (then use a per-request session).

    1. `x-sovgate-conversation: <id>` chosen by the client: `<tenant>:h:<id>`.
    2. else the OpenAI `user` field plus a hash of the messages up to the first user
       message (they are resent unchanged every turn): `<tenant>:u:<sha256>`.
    Scoped by tenant, so tenants never share a mapping. Restoring is limited to the tokens
    sent in the request (`scope`), so even two conversations that hash alike cannot
    receive each other's values.
    """
    for k, v in headers.items():
        if k.lower() == CONVERSATION_HEADER and v.strip():
            cid = v.strip()
            if len(cid) > 128:
                cid = hashlib.sha256(cid.encode()).hexdigest()
            return f"{tenant_id}:h:{cid}"
    user, messages = body.get("user"), body.get("messages")
    if not isinstance(user, str) or not user or not isinstance(messages, list):
        return None
    head: list[Any] = []
    for m in messages:
        head.append(m)
        if isinstance(m, dict) and m.get("role") == "user":
            break
    else:
        return None
    blob = json.dumps([user, head], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{tenant_id}:u:{hashlib.sha256(blob.encode()).hexdigest()}"


class MemoryVault:
    """Sessions in this process, dropped `ttl_s` after their last use (or when over `max_sessions`)."""

    def __init__(
        self,
        *,
        ttl_s: float = 3600.0,
        max_sessions: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, PseudonymSession]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: float) -> None:
        items = self._items
        while items:
            cid, (last, _) = next(iter(items.items()))
            if now - last < self.ttl_s and len(items) <= self.max_sessions:
                break
            del items[cid]

    async def load(self, conversation_id: str) -> PseudonymSession:
        now = self._clock()
        self._expire(now)
        item = self._items.get(conversation_id)
        session = item[1] if item is not None else PseudonymSession(conversation_id)
        self._items[conversation_id] = (now, session)
        self._items.move_to_end(conversation_id)
        self._expire(now)  # over max_sessions: the least recently used goes
        return session

    async def save(self, session: PseudonymSession) -> bool:
        # one process, one shared session object: allocations never race
        session.take_unsaved()
        cid = session.conversation_id
        if cid is not None:
            self._items[cid] = (self._clock(), session)
            self._items.move_to_end(cid)
            self._expire(self._clock())
        return True

    async def drop(self, conversation_id: str) -> None:
        self._items.pop(conversation_id, None)


def generate_vault_key() -> str:
    """A new deployment key for `SOVGATE_VAULT_KEY` (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def vault_key(text: str | None = None) -> bytes:
    """Decode a vault key (default: from `SOVGATE_VAULT_KEY`); at least 32 bytes."""
    text = text if text is not None else os.environ.get(KEY_ENV)
    if not text:
        raise VaultError(f"{KEY_ENV} is not set: generate one with sovgate.protect.generate_vault_key()")
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as exc:
        raise VaultError(f"{KEY_ENV} is not URL-safe base64") from exc
    if len(key) < 32:
        raise VaultError(f"{KEY_ENV} must decode to at least 32 bytes, got {len(key)}")
    return key


# Atomically add entries unless one conflicts with what another worker stored meanwhile.
# ARGV: ttl, then (value field, token field, token field content, token) per entry.
_SAVE = """
local n = (#ARGV - 1) / 4
for i = 0, n - 1 do
  local vf, tf, tok = ARGV[2 + 4 * i], ARGV[3 + 4 * i], ARGV[5 + 4 * i]
  local cur = redis.call('HGET', KEYS[1], vf)
  if cur and cur ~= tok then return 0 end
  if not cur and redis.call('HEXISTS', KEYS[1], tf) == 1 then return 0 end
end
for i = 0, n - 1 do
  redis.call('HSET', KEYS[1], ARGV[2 + 4 * i], ARGV[5 + 4 * i], ARGV[3 + 4 * i], ARGV[4 + 4 * i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisVault:
    """Sessions shared by several workers in Redis (redis-py asyncio), values encrypted.

    `client`: a `redis.asyncio.Redis`; `key`: the deployment key (see `vault_key`). A
    `save` that returns False lost a race (another worker gave the same token to another
    value, or the same value another token): load again and protect again.
    """

    def __init__(self, client: Any, key: bytes, *, ttl_s: int = 3600, prefix: str = "sovgate:pv:") -> None:
        if len(key) < 32:
            raise VaultError("the vault key must be at least 32 bytes")
        okm = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=None, info=b"sovgate pseudonym vault v1"
        ).derive(key)
        self._aead = AESGCM(okm[:32])
        self._mac_key = okm[32:]
        self._client = client
        self.ttl_s = ttl_s
        self.prefix = prefix
        self._save = client.register_script(_SAVE)

    @classmethod
    def from_url(cls, url: str, key: bytes, **kw: Any) -> RedisVault:
        import redis.asyncio as aioredis

        return cls(aioredis.from_url(url), key, **kw)

    async def aclose(self) -> None:
        await self._client.aclose()

    def redis_key(self, conversation_id: str) -> str:
        return self.prefix + self._mac(b"conversation", conversation_id.encode())[:40]

    def _mac(self, *parts: bytes) -> str:
        return hmac.new(self._mac_key, b"\x00".join(parts), hashlib.sha256).hexdigest()

    def _value_field(self, rkey: str, e: Entry) -> str:
        parts = [rkey.encode(), e.kind.encode(), e.value.encode()]
        if e.parent is not None:  # an alias: one per (surrogate, part)
            parts.append(e.parent.encode())
        return "v:" + self._mac(*parts)[:40]

    def _seal(self, rkey: str, e: Entry) -> str:
        nonce = secrets.token_bytes(12)
        plain = json.dumps([e.kind, e.value, e.parent], ensure_ascii=False).encode()
        sealed = self._aead.encrypt(nonce, plain, f"{rkey}\x00{e.token}".encode())
        return base64.b64encode(nonce + sealed).decode()

    def _open(self, rkey: str, token: str, blob: str) -> Entry:
        raw = base64.b64decode(blob)
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], f"{rkey}\x00{token}".encode())
        except InvalidTag as exc:
            raise VaultError(
                "a pseudonym vault entry does not decrypt with this key (was SOVGATE_VAULT_KEY "
                "changed?): drop the conversation or restore the key"
            ) from exc
        kind, value, parent = json.loads(plain)
        return Entry(token, kind, value, parent)

    async def load(self, conversation_id: str) -> PseudonymSession:
        rkey = self.redis_key(conversation_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hgetall(rkey)
                pipe.expire(rkey, self.ttl_s)
                fields, _ = await pipe.execute()
        except Exception as exc:  # redis-py raises many kinds; all mean: no mapping
            raise VaultError(f"pseudonym vault (Redis) cannot be read: {exc}") from exc
        entries = []
        for f, v in fields.items():
            name, content = _text(f), _text(v)
            if name.startswith("t:"):
                entries.append(self._open(rkey, name[2:], content))
        return PseudonymSession(conversation_id, tuple(entries))

    async def save(self, session: PseudonymSession) -> bool:
        if session.conversation_id is None:
            raise VaultError("a session without conversation_id cannot be stored")
        new = session.take_unsaved()
        if not new:
            return True
        rkey = self.redis_key(session.conversation_id)
        args: list[Any] = [self.ttl_s]
        for e in new:
            args += [self._value_field(rkey, e), "t:" + e.token, self._seal(rkey, e), e.token]
        try:
            ok = await self._save(keys=[rkey], args=args)
        except Exception as exc:
            session.restore_unsaved(new)
            raise VaultError(f"pseudonym vault (Redis) cannot be written: {exc}") from exc
        if not ok:
            session.restore_unsaved(new)
        return bool(ok)

    async def drop(self, conversation_id: str) -> None:
        try:
            await self._client.delete(self.redis_key(conversation_id))
        except Exception as exc:
            raise VaultError(f"pseudonym vault (Redis) cannot be written: {exc}") from exc


def _text(b: bytes | str) -> str:
    return b.decode() if isinstance(b, bytes) else b
