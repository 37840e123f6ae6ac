"""Vaults against a real Redis: the running 127.0.0.1:6379, else one started by pytest-redis."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from sovgate.protect import (
    MemoryVault,
    Pseudonymizer,
    PseudonymSession,
    RedisVault,
    VaultError,
    conversation_id,
    generate_vault_key,
    restore,
    vault_key,
)

from .conftest import protect_values

VALUES = {"Anna Schmidt": "PERSON", "DE89 3704 0044 0532 0130 00": "IBAN", "Jürgen Weiß": "PERSON"}
BODY = {
    "messages": [
        {"role": "user", "content": "Anna Schmidt pays Jürgen Weiß from DE89 3704 0044 0532 0130 00"}
    ]
}


@pytest.fixture
async def redis_client(request):
    client = aioredis.Redis(host="127.0.0.1", port=6379)
    try:
        await client.ping()
    except (RedisConnectionError, OSError):
        await client.aclose()
        if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
            pytest.skip("no Redis on 127.0.0.1:6379 and no redis-server for pytest-redis to start")
        proc = request.getfixturevalue("redis_proc")  # pytest-redis starts /usr/bin/redis-server
        client = aioredis.Redis(host=proc.host, port=proc.port)
    prefix = f"sovgate-test:{uuid.uuid4().hex}:"
    client.test_prefix = prefix
    yield client
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def make_vault(client, key: bytes | None = None, **kw) -> RedisVault:
    return RedisVault(client, key or vault_key(generate_vault_key()), prefix=client.test_prefix, **kw)


async def test_redis_round_trip_across_workers(redis_client):
    key = vault_key(generate_vault_key())
    worker_a, worker_b = make_vault(redis_client, key), make_vault(redis_client, key)
    s1 = await worker_a.load("t1:h:conv")
    masked, report, _ = protect_values(BODY, VALUES, session=s1)
    assert await worker_a.save(s1)
    # the next turn is served by another worker: same tokens, restorable answer
    s2 = await worker_b.load("t1:h:conv")
    assert {(e.token, e.kind, e.value) for e in s2} == {(e.token, e.kind, e.value) for e in s1}
    masked2, _, _ = protect_values(BODY, VALUES, session=s2)
    assert masked2 == masked
    assert restore("[PERSON_2] and [IBAN_1]", s2, scope=report.tokens) == (
        "Jürgen Weiß and DE89 3704 0044 0532 0130 00"
    )


async def test_redis_keeps_surrogates_and_their_name_aliases(redis_client):
    vault = make_vault(redis_client)
    s = await vault.load("t1:h:sur")
    _, report, _ = protect_values(BODY, VALUES, session=s, pz=Pseudonymizer("surrogate", seed=9))
    assert any(e.parent for e in s)  # "Anna Schmidt" got aliases for its parts
    assert await vault.save(s)
    loaded = await vault.load("t1:h:sur")
    assert {(e.token, e.kind, e.value, e.parent) for e in loaded} == {
        (e.token, e.kind, e.value, e.parent) for e in s
    }
    family = next(e.token for e in loaded if e.parent and e.value == "Schmidt")
    assert restore(f"Frau {family}", loaded, scope=report.tokens) == "Frau Schmidt"


async def test_a_redis_dump_reveals_no_value(redis_client):
    vault = make_vault(redis_client)
    s = await vault.load("tenant:h:dump")
    protect_values(BODY, VALUES, session=s)
    assert await vault.save(s)
    rkey = vault.redis_key("tenant:h:dump")
    raw = await redis_client.hgetall(rkey)
    dump = await redis_client.dump(rkey)
    blob = b"".join([rkey.encode(), dump, *raw.keys(), *raw.values()])
    assert raw  # something was stored
    for value in [*VALUES, "Schmidt", "DE89", "tenant:h:dump"]:
        assert value.encode() not in blob
        assert value.encode("utf-16-le") not in blob
    assert 0 < await redis_client.ttl(rkey) <= 3600


async def test_swapped_or_tampered_entries_fail_closed(redis_client):
    vault = make_vault(redis_client)
    s = await vault.load("c2")
    protect_values(BODY, VALUES, session=s)
    assert await vault.save(s)
    rkey = vault.redis_key("c2")
    one, two = await redis_client.hmget(rkey, ["t:[PERSON_1]", "t:[PERSON_2]"])
    # each ciphertext is bound to its conversation and token: moving it breaks decryption
    await redis_client.hset(rkey, mapping={"t:[PERSON_1]": two, "t:[PERSON_2]": one})
    with pytest.raises(VaultError, match="does not decrypt"):
        await vault.load("c2")


async def test_concurrent_workers_never_give_one_token_two_values(redis_client):
    key = vault_key(generate_vault_key())
    a, b = make_vault(redis_client, key), make_vault(redis_client, key)
    sa, sb = await a.load("race"), await b.load("race")
    protect_values({"messages": [{"role": "user", "content": "Anna Schmidt"}]}, VALUES, session=sa)
    protect_values({"messages": [{"role": "user", "content": "Jürgen Weiß"}]}, VALUES, session=sb)
    assert sa.value_of("[PERSON_1]") == "Anna Schmidt" and sb.value_of("[PERSON_1]") == "Jürgen Weiß"
    assert await a.save(sa)
    assert not await b.save(sb)  # lost the race: reload and protect again
    sb = await b.load("race")
    masked, _, _ = protect_values(
        {"messages": [{"role": "user", "content": "Jürgen Weiß"}]}, VALUES, session=sb
    )
    assert masked["messages"][0]["content"] == "[PERSON_2]"
    assert await b.save(sb)
    final = await a.load("race")
    assert final.value_of("[PERSON_1]") == "Anna Schmidt" and final.value_of("[PERSON_2]") == "Jürgen Weiß"


async def test_unreachable_redis_is_a_vault_error():
    client = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    vault = RedisVault(client, b"k" * 32)
    with pytest.raises(VaultError, match="cannot be read"):
        await vault.load("c")
    await client.aclose()


async def test_memory_vault_shares_sessions_and_expires_them():
    now = [0.0]
    vault = MemoryVault(ttl_s=60, max_sessions=2, clock=lambda: now[0])
    s = await vault.load("c1")
    protect_values(BODY, VALUES, session=s)
    assert await vault.save(s)
    now[0] = 59
    assert (await vault.load("c1")).value_of("[PERSON_1]") == "Anna Schmidt"  # sliding TTL
    now[0] = 118
    assert len(await vault.load("c1")) == 3
    now[0] = 200
    assert len(await vault.load("c1")) == 0  # expired: a fresh session
    await vault.load("c2")
    await vault.load("c3")
    assert len(vault) == 2  # oldest evicted beyond max_sessions
    await vault.drop("c3")
    assert len(vault) == 1


def test_conversation_id_scheme():
    body = {
        "user": "u-42",
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}],
    }
    later = {**body, "messages": [*body["messages"], {"role": "assistant", "content": "yo"}]}
    cid = conversation_id("t1", {}, body)
    assert cid is not None and cid.startswith("t1:u:")
    assert conversation_id("t1", {}, later) == cid  # stable across turns
    assert conversation_id("t2", {}, body) != cid  # tenants never share
    assert conversation_id("t1", {}, {**body, "user": "u-43"}) != cid
    assert conversation_id("t1", {"X-Sovgate-Conversation": "abc"}, body) == "t1:h:abc"
    assert conversation_id("t1", {}, {"messages": body["messages"]}) is None  # no user: per request
    long = conversation_id("t1", {"x-sovgate-conversation": "z" * 500}, {})
    assert long is not None and len(long) < 80


def test_vault_key_errors_say_what_to_do(monkeypatch):
    monkeypatch.delenv("SOVGATE_VAULT_KEY", raising=False)
    with pytest.raises(VaultError, match="generate_vault_key"):
        vault_key()
    with pytest.raises(VaultError, match="at least 32 bytes"):
        vault_key("c2hvcnQ=")
    monkeypatch.setenv("SOVGATE_VAULT_KEY", generate_vault_key())
    assert len(vault_key()) == 32


def test_surrogate_style_survives_the_vault_round_trip():
    # surrogate tokens have no number: the session still never reuses them
    s = PseudonymSession("c")
    _, report, _ = protect_values(BODY, VALUES, session=s, pz=Pseudonymizer("surrogate", seed=3))
    copy = PseudonymSession("c", tuple(s))
    assert {e.token for e in copy if e.parent is None} == report.tokens
    assert {(e.token, e.value, e.parent) for e in copy} == {(e.token, e.value, e.parent) for e in s}
