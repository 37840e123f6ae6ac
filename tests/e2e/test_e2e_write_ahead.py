"""A gateway killed (SIGKILL) while a provider has a request still leaves the record of where the
data went: the request's write-ahead record, committed before the request went out, is appended
(outcome "interrupted", the provider, what was masked for it) by the next gateway to open the log,
and the log verifies. The real `sovgate serve`, the openai SDK, fake upstreams on loopback."""

from __future__ import annotations

import os
import signal
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest

from fakes.e2e_gateway import KEYS, TESTDATA
from fakes.openai_upstream import FakeOpenAI
from fakes.serving import free_port
from sovgate.audit import decode_leaf, open_audit_log_sync
from sovgate.audit.verify import verify_log

PROMPT = "Please write to Anna Becker about her IBAN DE89 3704 0044 0532 0130 00."


def _start(config: Path, cwd: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "E2E_US_KEY": "sk-e2e-us", "E2E_FR_KEY": "sk-e2e-fr", "E2E_CN_KEY": "sk-e2e-cn"}
    env |= {"E2E_ACME_DE_KEY": KEYS["acme-de"], "E2E_ACME_CN_KEY": KEYS["acme-cn"]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovgate", "serve", "--config", str(config), "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, "sovgate serve exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "sovgate serve did not come up"
        time.sleep(0.1)


@pytest.mark.parametrize("stream", [False, True])
def test_a_gateway_killed_mid_request_leaves_the_record_of_the_flow(tmp_path: Path, stream: bool) -> None:
    fakes = {
        name: FakeOpenAI(short, api_key=key).start()
        for name, short, key in (
            ("us-global", "us", "sk-e2e-us"),
            ("fr-sovereign", "fr", "sk-e2e-fr"),
            ("de-onprem", "de", None),
            ("cn-provider", "cn", "sk-e2e-cn"),
        )
    }
    fakes["us-global"].delay_s = 3  # the provider is still working when the gateway dies
    db = tmp_path / "audit.db"
    config = tmp_path / "sovgate.yaml"
    config.write_text(
        string.Template((TESTDATA / "four_upstreams.yaml").read_text()).substitute(
            AUDIT_DB=db, **{f"{k[:2].upper()}_URL": f.base_url for k, f in fakes.items()}
        )
    )
    port = free_port()
    proc = _start(config, tmp_path, port)
    errors: list[Exception] = []

    def ask() -> None:
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key=KEYS["acme-de"], max_retries=0, timeout=30
        )
        try:
            answer = client.chat.completions.create(
                model="chat", messages=[{"role": "user", "content": PROMPT}], stream=stream
            )
            if stream:
                list(answer)  # type: ignore[arg-type]
        except openai.APIError as exc:  # the gateway dies under it
            errors.append(exc)

    asker = threading.Thread(target=ask, daemon=True)
    try:
        asker.start()
        deadline = time.monotonic() + 20
        while not fakes["us-global"].received:
            assert time.monotonic() < deadline, "the provider never got the request"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        asker.join(30)
        assert errors and isinstance(errors[0], openai.APIConnectionError)
        sent = fakes["us-global"].received[0].text
        assert "Anna Becker" not in sent and "DE89" not in sent  # it went out pseudonymized

        log = open_audit_log_sync(f"sqlite:///{db}")  # the next writer appends what was in flight
        try:
            records = [decode_leaf(e.payload) for e in log.store.iter_entries() if e.payload]
            requests = [r for r in records if r.kind == "request"]
            assert len(requests) == 1, records
            (r,) = requests
            assert (r.outcome, r.status, r.provider) == ("interrupted", 0, "us-global")
            assert r.provider_operator_country == "US" and r.provider_hosting == ("US",)
            assert set(r.protection) == {"us-global"}
            assert {"PERSON", "IBAN"} <= set(r.protection["us-global"])
            assert r.subject_jurisdictions == ("DE",) and r.endpoint == "chat"
            assert log.store.pending() == []
            assert verify_log(log).size == len(records)
        finally:
            log.close_sync()
    finally:
        if proc.poll() is None:
            proc.kill()
        for fake in fakes.values():
            fake.stop()
