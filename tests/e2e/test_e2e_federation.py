"""Federation: two real `sovgate serve` processes (Frankfurt and Shanghai) peered with each other.

Frankfurt sends the personal information of people in China only to a provider hosted in China:
here its peer, the Shanghai gateway (`protocol: sovgate`), which classifies, decides and records
the request again under its own policies and log. Each log names the other's record of the same
request, a forwarded request is never forwarded again (Shanghai's route prefers Frankfurt back),
and when nothing eligible is up in either region the request fails closed in both. Frankfurt is
also the witness of Shanghai's log: it cosigns Shanghai's checkpoints at POST /add-checkpoint.
"""

from __future__ import annotations

import contextlib
import re
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakes.e2e_gateway import serve_cli
from fakes.openai_upstream import FakeOpenAI
from fakes.serving import free_port

TESTDATA = Path(__file__).parent / "testdata" / "federation"
KEYS = {
    "FED_US_KEY": "sk-fed-us",
    "FED_CN_KEY": "sk-fed-cn",
    "FED_ACME_CN_KEY": "fed-acme-cn",
    "FED_ACME_CN_SHA_KEY": "fed-acme-cn-sha",
    "FED_PEER_SHA_KEY": "fed-peer-sha",  # Shanghai's key at Frankfurt
    "FED_SHA_PEER_KEY": "fed-peer-fra",  # Frankfurt's key at Shanghai (tenant peer-fra there)
    "FED_PEER_FRA_KEY": "fed-peer-fra",
    "FED_FRA_PEER_KEY": "fed-peer-sha",
}
CHINA_PI = "Call our customer Zhang Wei on +86 138 0013 8000 to confirm the order."


@dataclass
class Regions:
    fra: str
    sha: str
    fra_db: str
    sha_db: str
    us: FakeOpenAI
    cn: FakeOpenAI
    sha_dir: Path
    witness_vkey: str  # Frankfurt's witness key

    def client(self, key: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.fra + "/v1", api_key=key, max_retries=0, timeout=20)

    def records(self, db: str, tenant: str | None = None) -> list[Any]:
        from sovgate.audit import open_log_reader

        log = open_log_reader(db)
        try:
            return [r for r in log.records(tenant=tenant) if r.kind == "request"]
        finally:
            log.close_sync()

    def record(self, db: str, rid: str) -> Any:
        found = [r for r in self.records(db) if r.id == rid]
        assert found, f"no record {rid} in {db}"
        return found[0]

    def origin(self, db: str) -> str:
        from sovgate.audit import open_log_reader

        log = open_log_reader(db)
        try:
            return log.origin
        finally:
            log.close_sync()


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regions]:
    tmp = tmp_path_factory.mktemp("federation")
    us = FakeOpenAI("us", api_key=KEYS["FED_US_KEY"]).start()
    cn = FakeOpenAI("cn", api_key=KEYS["FED_CN_KEY"]).start()
    fra_port, sha_port = free_port(), free_port()
    values = {
        "FRA_DB": str(tmp / "fra" / "audit.db"),
        "SHA_DB": str(tmp / "sha" / "audit.db"),
        "FRA_URL": f"http://127.0.0.1:{fra_port}",
        "SHA_URL": f"http://127.0.0.1:{sha_port}",
        "US_URL": us.base_url,
        "CN_URL": cn.base_url,
        "SHA_PACK": str(TESTDATA / "sha-no-health.yaml"),
    }
    from sovgate.audit import admin_record, open_audit_log_sync

    # Shanghai's log and its key, with a few entries and a checkpoint of them (written at close)
    log = open_audit_log_sync(f"sqlite:///{values['SHA_DB']}")
    for i in range(3):
        log.append_sync(admin_record("test.setup", details={"step": str(i)}, fingerprint="00" * 32))
    values["SHA_LOG_VKEY"] = log.vkey()
    log.close_sync()
    for name in ("fra", "sha"):  # Frankfurt first: Shanghai's config names Frankfurt's witness key
        (tmp / name).mkdir(exist_ok=True)
        text = string.Template((TESTDATA / f"{name}.yaml").read_text()).substitute(values)
        (tmp / name / "sovgate.yaml").write_text(text)
        if name == "fra":
            witness_args = ["audit", "witness-key", "--config", "sovgate.yaml"]
            values["FRA_WITNESS_VKEY"] = witness_vkey = sovgate_cli(witness_args, tmp / "fra").strip()
    with contextlib.ExitStack() as stack:
        stack.callback(us.stop)
        stack.callback(cn.stop)
        sha = stack.enter_context(serve_cli(["--config", "sovgate.yaml"], tmp / "sha", KEYS, sha_port))
        fra = stack.enter_context(serve_cli(["--config", "sovgate.yaml"], tmp / "fra", KEYS, fra_port))
        dbs = f"sqlite:///{values['FRA_DB']}", f"sqlite:///{values['SHA_DB']}"
        yield Regions(fra, sha, *dbs, us, cn, tmp / "sha", witness_vkey)


def sovgate_cli(args: list[str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "sovgate", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def fed(regions: Regions) -> Regions:
    regions.us.reset()
    regions.cn.reset()
    return regions


def test_shanghai_has_its_checkpoints_cosigned_by_frankfurt_by_itself(fed: Regions) -> None:
    """gateway.cosign: Shanghai's serve asks Frankfurt's witness every 0.5 s, no cron needed (its
    own output says it stored the cosignature: not a hand-run `sovgate audit cosign`)."""
    from sovgate.audit import open_log_reader

    deadline = time.monotonic() + 15
    while True:
        log = open_log_reader(fed.sha_db)
        try:
            latest = log.checkpoints()[-1]
        finally:
            log.close_sync()
        if "\n\u2014 witness.fra.acme.example " in latest.note:
            break
        assert time.monotonic() < deadline, f"checkpoint {latest.size} was not cosigned: {latest.note}"
        time.sleep(0.2)
    verified = sovgate_cli(
        ["audit", "verify", "--witness", fed.witness_vkey, "--config", "sovgate.yaml"], fed.sha_dir
    )
    assert f"checkpoint {latest.size} cosigned by witness.fra.acme.example" in verified
    said = (fed.sha_dir / "serve.log").read_text()
    assert re.search(r"sovgate: cosign: checkpoint \d+ cosigned by witness\.fra\.acme\.example", said), said


def test_personal_information_of_people_in_china_goes_through_the_shanghai_gateway(fed: Regions) -> None:
    raw = fed.client("fed-acme-cn").chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": CHINA_PI}]
    )
    assert raw.headers["x-sovgate-provider"] == "sha-gateway"
    assert raw.parse().choices[0].message.content == f"echo: {CHINA_PI}"
    assert not fed.us.received, "the US provider must never see it"
    # Shanghai's own provider got it in the clear (it stays in China) and with the upstream model
    [got] = fed.cn.received
    assert "+86 138 0013 8000" in got.text and got.body["model"] == "qwen-max"
    assert not [h for h in got.headers if h.lower().startswith("x-sovgate")], "hop headers are for peers only"
    # Frankfurt's record names Shanghai's record of the same request, and the other way round
    rid = raw.headers["x-sovgate-decision"]
    fra_rec = fed.record(fed.fra_db, rid)
    assert fra_rec.provider == "sha-gateway" and fra_rec.provider_hosting == ("CN",)
    assert fra_rec.eligible == ("sha-gateway",) and fra_rec.protection == {"sha-gateway": ()}
    peer_rid = fra_rec.peer_decisions["sha-gateway"]
    sha_rec = fed.record(fed.sha_db, peer_rid)
    assert (sha_rec.tenant, sha_rec.provider, sha_rec.outcome) == ("peer-fra", "cn-provider", "ok")
    assert sha_rec.forwarded_by == fed.origin(fed.fra_db) and sha_rec.forwarded_decision == rid
    assert "CN" in sha_rec.subject_jurisdictions and fra_rec.fingerprint and sha_rec.fingerprint
    assert fra_rec.forwarded_by is None and sha_rec.peer_decisions == {}


def test_a_stream_through_the_peer_is_restored_and_cross_referenced(fed: Regions) -> None:
    client = fed.client("fed-acme-cn")
    with client.chat.completions.with_streaming_response.create(
        model="chat", messages=[{"role": "user", "content": CHINA_PI}], stream=True
    ) as resp:
        rid = resp.headers["x-sovgate-decision"]
        text = "".join(c.choices[0].delta.content or "" for c in resp.parse() if c.choices)
    assert text == f"echo: {CHINA_PI}" and not fed.us.received
    fra_rec = fed.record(fed.fra_db, rid)
    sha_rec = fed.record(fed.sha_db, fra_rec.peer_decisions["sha-gateway"])
    assert sha_rec.forwarded_decision == rid and sha_rec.provider == "cn-provider"


def test_a_forwarded_request_is_never_forwarded_again(fed: Regions) -> None:
    # Shanghai's route for Frankfurt prefers fra-gateway, and a plain question is eligible for it
    before = len(fed.records(fed.fra_db, tenant="peer-sha"))
    raw = fed.client("fed-acme-cn-sha").chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Translate 'good morning' into French."}]
    )
    assert raw.headers["x-sovgate-provider"] == "sha-gateway"
    fra_rec = fed.record(fed.fra_db, raw.headers["x-sovgate-decision"])
    sha_rec = fed.record(fed.sha_db, fra_rec.peer_decisions["sha-gateway"])
    assert sha_rec.eligible == ("fra-gateway", "cn-provider")  # policy allows it ...
    assert sha_rec.provider == "cn-provider"  # ... but a forwarded request does not go back
    assert len(fed.records(fed.fra_db, tenant="peer-sha")) == before, "nothing came back to Frankfurt"


def test_nothing_eligible_up_in_either_region_fails_closed(fed: Regions) -> None:
    fed.cn.fail_status = 503
    before = len(fed.records(fed.fra_db, tenant="peer-sha"))
    for key in ("fed-acme-cn", "fed-acme-cn-sha"):  # personal data; a plain question via Shanghai
        text = CHINA_PI if key == "fed-acme-cn" else "What is the capital of France?"
        messages = [{"role": "user", "content": text}]
        with pytest.raises(openai.APIStatusError) as err:
            fed.client(key).chat.completions.create(model="chat", messages=messages)  # type: ignore[arg-type]
        assert err.value.status_code == 503
        assert err.value.code == "no_eligible_provider"
        assert "sha-gateway" in err.value.message
    assert not fed.us.received, "never a less sovereign provider as a fallback"
    assert len(fed.records(fed.fra_db, tenant="peer-sha")) == before, "Shanghai did not send it back"
    # both regions recorded the refusal, each naming the other's record
    last = fed.records(fed.fra_db, tenant="acme-cn-sha")[-1]
    assert last.outcome == "no_eligible_provider" and last.status == 503
    sha_rec = fed.record(fed.sha_db, last.peer_decisions["sha-gateway"])
    assert sha_rec.outcome == "no_eligible_provider" and sha_rec.forwarded_decision == last.id


def test_hop_headers_only_from_peer_tenants_and_well_formed(fed: Regions) -> None:
    def post(key: str, name: str, value: bytes) -> httpx.Response:
        return httpx.post(
            fed.fra + "/v1/chat/completions",
            headers={"authorization": f"Bearer {key}", name: value},
            json={"model": "chat", "messages": [{"role": "user", "content": "hi"}]},
            timeout=20,
        )

    refused = [post("fed-acme-cn", "x-sovgate-forwarded-by", b"fra.example/audit")]  # not a peer
    assert "only accepted from a peer gateway" in refused[0].json()["error"]["message"]
    for name in ("x-sovgate-forwarded-by", "x-sovgate-forwarded-decision"):
        for value in (b"x" * 201, "caf\u00e9".encode("latin-1"), b""):
            refused.append(post("fed-peer-sha", name, value))  # Shanghai's key here
            assert name in refused[-1].json()["error"]["message"]
    for resp in refused:
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_header"
        rec = fed.record(fed.fra_db, resp.headers["x-sovgate-decision"])
        assert (rec.outcome, rec.status, rec.provider) == ("invalid_header", 400, None)  # recorded
    assert not fed.us.received and not fed.cn.received


def test_a_peer_tenant_is_never_forwarded_even_without_hop_headers(fed: Regions) -> None:
    # Frankfurt's key at Shanghai, used directly: Shanghai's route prefers fra-gateway
    client = openai.OpenAI(base_url=fed.sha + "/v1", api_key="fed-peer-fra", max_retries=0, timeout=20)
    raw = client.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Translate 'good morning' into French."}]
    )
    assert raw.headers["x-sovgate-provider"] == "cn-provider"
    with pytest.raises(openai.APIStatusError) as err:  # a model only Frankfurt serves at Shanghai
        client.chat.completions.create(model="fra-only", messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 503 and "only peer gateways (fra-gateway)" in err.value.message


def test_the_peer_says_why_it_could_not_serve(fed: Regions) -> None:
    # fra-only is served at Shanghai only by Frankfurt: the peer's reason reaches the client
    with pytest.raises(openai.APIStatusError) as err:
        fed.client("fed-acme-cn-sha").chat.completions.create(
            model="fra-only", messages=[{"role": "user", "content": "hi"}]
        )
    assert err.value.status_code == 503 and err.value.code == "no_eligible_provider"
    assert "sha-gateway: HTTP 503: This request was forwarded by the peer gateway" in err.value.message


def test_a_refusal_by_the_peer_policy_goes_back_to_the_client(fed: Regions) -> None:
    # Frankfurt's baseline lets a health question go to Shanghai; Shanghai's own pack refuses it
    text = "Patient Zhang Wei, phone +86 138 0013 8000, has type 2 diabetes; please draft a diet plan."
    raw = fed.client("fed-acme-cn-sha").chat.completions.with_raw_response
    with pytest.raises(openai.PermissionDeniedError) as err:
        raw.create(model="chat", messages=[{"role": "user", "content": text}])
    assert err.value.code == "policy_denied" and "sha-no-health/no-health" in err.value.message
    assert err.value.response.headers["x-sovgate-provider"] == "sha-gateway"
    assert not fed.cn.received and not fed.us.received
    fra_rec = fed.record(fed.fra_db, err.value.response.headers["x-sovgate-decision"])
    assert (fra_rec.outcome, fra_rec.status, fra_rec.provider) == ("upstream_rejected", 403, "sha-gateway")
    sha_rec = fed.record(fed.sha_db, fra_rec.peer_decisions["sha-gateway"])
    assert (sha_rec.outcome, sha_rec.status) == ("policy_denied", 403) and sha_rec.provider is None
    # a refusal is not a failure: the peer's circuit stays closed for the next request
    ok = fed.client("fed-acme-cn-sha").chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Translate 'good morning' into French."}]
    )
    assert ok.headers["x-sovgate-provider"] == "sha-gateway"


def test_frankfurt_witnesses_shanghai_checkpoints(fed: Regions) -> None:
    fed.client("fed-acme-cn").chat.completions.create(
        model="chat", messages=[{"role": "user", "content": CHINA_PI}]
    )
    args = ["--config", "sovgate.yaml"]
    cosigned = sovgate_cli(
        [
            "audit",
            "cosign",
            "--witness",
            fed.fra + "/add-checkpoint",
            "--witness-vkey",
            fed.witness_vkey,
            *args,
        ],
        fed.sha_dir,
    )
    assert "\n\u2014 witness.fra.acme.example " in cosigned  # the cosignature line, stored on the checkpoint
    verified = sovgate_cli(["audit", "verify", "--witness", fed.witness_vkey, *args], fed.sha_dir)
    assert "checkpoint 3 cosigned by witness.fra.acme.example" in verified
    # the witness remembers the size it cosigned: the same request again is told that size (409)
    body = cosign_body(fed)
    again = httpx.post(fed.fra + "/add-checkpoint", content=body, timeout=20)
    assert again.status_code == 409 and again.headers["content-type"].startswith("text/x.tlog.size")
    assert int(again.text) >= 3 and again.text.endswith("\n")
    # a checkpoint of a log it does not witness, and one whose signature is broken
    other = body.replace("sovgate.invalid/audit/", "sovgate.invalid/other/", 1)
    assert httpx.post(fed.fra + "/add-checkpoint", content=other, timeout=20).status_code == 404
    lines = body.split("\n")  # old 0, "", origin, size, root, "", signatures
    lines[4] = ("B" if lines[4][0] == "A" else "A") + lines[4][1:]  # another root, same signature
    forged = "\n".join(lines)
    assert httpx.post(fed.fra + "/add-checkpoint", content=forged, timeout=20).status_code == 403
    assert (
        httpx.post(fed.sha + "/add-checkpoint", content=body, timeout=20).status_code == 404
    )  # not a witness


def cosign_body(fed: Regions) -> str:
    """An add-checkpoint request for Shanghai's latest checkpoint as if the witness had seen nothing."""
    from sovgate.audit import open_log_reader

    log = open_log_reader(fed.sha_db)
    try:
        note = log.checkpoints()[-1].note
    finally:
        log.close_sync()
    return "old 0\n\n" + note


def test_an_auditor_cross_checks_the_two_logs(fed: Regions) -> None:
    fed.client("fed-acme-cn").chat.completions.create(
        model="chat", messages=[{"role": "user", "content": CHINA_PI}]
    )
    args = ["audit", "cross-check", "--config", "sovgate.yaml", "--peer-provider", "sha-gateway"]
    fra_dir = fed.sha_dir.parent / "fra"
    out = sovgate_cli([*args, "--peer-audit", fed.sha_db], fra_dir)
    sent = [r for r in fed.records(fed.fra_db) if "sha-gateway" in r.protection]
    assert out.startswith(f"OK: {len(sent)} requests sent to sha-gateway found in its log"), out
    # against the wrong log (Frankfurt's own), every link is broken: exit 1, named
    done = subprocess.run(
        [sys.executable, "-m", "sovgate", *args, "--peer-audit", fed.fra_db],
        cwd=fra_dir,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stdout.startswith("FAILED: 0 requests")
    assert "not in the peer's log" in done.stderr
