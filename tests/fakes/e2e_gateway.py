"""The real `sovgate serve` (subprocess) in front of four fake upstreams on loopback: e2e harness."""

from __future__ import annotations

import contextlib
import os
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

from fakes.openai_upstream import FakeOpenAI
from fakes.serving import free_port

TESTDATA = Path(__file__).parents[1] / "e2e" / "testdata"
KEYS = {"acme-de": "e2e-acme-de-key", "acme-cn": "e2e-acme-cn-key"}


@dataclass
class E2E:
    url: str
    audit_url: str
    fakes: dict[str, FakeOpenAI]
    _log: Any = None

    def client(self, tenant: str = "acme-de", key: str | None = None) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=self.url + "/v1", api_key=key or KEYS[tenant], max_retries=0, timeout=20
        )

    def received(self, provider: str) -> list[Any]:
        return self.fakes[provider].received

    def only(self, provider: str | None) -> None:
        """Assert that exactly `provider` (or none) received anything since the last reset."""
        got = {pid for pid, fake in self.fakes.items() if fake.received}
        assert got == ({provider} if provider else set()), f"received by: {sorted(got)}"

    def record(self, rid: str) -> Any:
        from sovgate.audit import decode_leaf, open_audit_log_sync

        if self._log is None:
            self._log = open_audit_log_sync(self.audit_url)
        entry = self._log.entry(rid)
        assert entry is not None, f"no audit record {rid}"
        return decode_leaf(entry.payload)


@contextlib.contextmanager
def served_gateway(tmp: Path) -> Iterator[E2E]:
    """Start four fakes and `sovgate serve` on them; stop everything on exit."""
    fakes = {
        "us-global": FakeOpenAI("us", api_key="sk-e2e-us").start(),
        "fr-sovereign": FakeOpenAI("fr", api_key="sk-e2e-fr").start(),
        "de-onprem": FakeOpenAI("de").start(),
        "cn-provider": FakeOpenAI("cn", api_key="sk-e2e-cn").start(),
    }
    audit_db = tmp / "audit.db"
    text = string.Template((TESTDATA / "four_upstreams.yaml").read_text()).substitute(
        AUDIT_DB=audit_db,
        US_URL=fakes["us-global"].base_url,
        FR_URL=fakes["fr-sovereign"].base_url,
        DE_URL=fakes["de-onprem"].base_url,
        CN_URL=fakes["cn-provider"].base_url,
    )
    config = tmp / "sovgate.yaml"
    config.write_text(text)
    env = {
        **os.environ,
        "E2E_US_KEY": "sk-e2e-us",
        "E2E_FR_KEY": "sk-e2e-fr",
        "E2E_CN_KEY": "sk-e2e-cn",
        "E2E_ACME_DE_KEY": KEYS["acme-de"],
        "E2E_ACME_CN_KEY": KEYS["acme-cn"],
    }
    port = free_port()
    log = (tmp / "serve.log").open("wb")  # the server's own output, for diagnosing a failure
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovgate", "serve", "--config", str(config), "--port", str(port)],
        cwd=tmp,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"sovgate serve exited with {proc.returncode}:\n{(tmp / 'serve.log').read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("sovgate serve did not come up in 60 s")
        time.sleep(0.1)
    e2e = E2E(url, f"sqlite:///{audit_db}", fakes)
    try:
        yield e2e
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if e2e._log is not None:
            e2e._log.close_sync()
        for fake in fakes.values():
            fake.stop()
        log.close()
        print(f"sovgate serve output: {tmp / 'serve.log'}")


@contextlib.contextmanager
def serve_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """`sovgate serve --port <port or a free one> ARGS` in `cwd`; yields the base URL once /healthz
    answers."""
    port = port or free_port()
    log = (cwd / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovgate", "serve", "--port", str(port), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (cwd / "serve.log").read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
