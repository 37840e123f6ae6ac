"""Issue 2 item 7 / issue 6 item 7 end to end: `sovgate serve` (two worker processes sharing one
SQLite log) is driven with the official openai SDK and killed with SIGKILL under load. Every
request whose client got a success response has its record (x-sovgate-decision) in the log; the
log verifies; after a restart the gateway appends on and the log still verifies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import httpx
import openai

from sovgate.audit import open_log_reader
from sovgate.audit.verify import verify_log

KEY = "sovgate-demo"  # the embedded default config's demo tenant
PROMPTS = [
    "What is the capital of France?",
    "Bitte fasse zusammen: Anna Schmidt, Tel. +49 30 12345678, anna.schmidt@example.de",
    "Patient Jean Dupont (né le 02/03/1970) souffre de diabète, numéro +33 6 12 34 56 78.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(config: Path, port: int, cwd: Path, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "sovgate", "serve", "--config", str(config), "--port", str(port)]
    p = subprocess.Popen(
        [*cmd, "--workers", str(workers)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: SIGKILL reaches the workers too
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            pass
        if p.poll() is not None:
            raise RuntimeError(f"sovgate serve exited: {p.stderr.read().decode() if p.stderr else ''}")
        time.sleep(0.2)
    os.killpg(p.pid, signal.SIGKILL)
    raise RuntimeError("sovgate serve did not come up")


async def _load(port: int, acked: list[str], stop_after: int, killer: subprocess.Popen) -> None:
    client = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0, timeout=10
    )
    done = asyncio.Event()

    async def worker(w: int) -> None:
        i = w
        while not done.is_set():
            i += 16
            try:
                raw = await client.chat.completions.with_raw_response.create(
                    model="chat", messages=[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}]
                )
            except (openai.APIConnectionError, openai.APITimeoutError, openai.APIStatusError):
                if done.is_set():
                    return
                continue
            if raw.http_response.status_code == 200:
                acked.append(raw.headers["x-sovgate-decision"])
                if len(acked) >= stop_after and not done.is_set():
                    done.set()
                    os.killpg(killer.pid, signal.SIGKILL)  # mid-load: other requests are in flight

    await asyncio.wait_for(asyncio.gather(*(worker(w) for w in range(16))), timeout=120)
    await client.close()


def test_gateway_killed_under_load_keeps_every_acknowledged_record(tmp_path: Path) -> None:
    db = tmp_path / "gw-audit.db"
    config = tmp_path / "sovgate.yaml"
    default = resources.files("sovgate.gateway").joinpath("default.yaml").read_text("utf-8")
    config.write_text(default.replace("sqlite:///./sovgate-audit.db", f"sqlite:///{db}"))
    port = _free_port()

    server = _serve(config, port, tmp_path, workers=2)
    acked: list[str] = []
    asyncio.run(_load(port, acked, 150, server))
    server.wait(timeout=10)
    assert server.returncode == -signal.SIGKILL

    log = open_log_reader(f"sqlite:///{db}")
    result = verify_log(log)
    ids = {e.id for e in log.store.iter_entries()}
    lost = [a for a in acked if a not in ids]
    assert len(acked) >= 150 and not lost, (
        f"{len(lost)} acknowledged requests have no record, e.g. {lost[:3]}"
    )
    assert len(set(acked)) == len(acked)
    log.close_sync()

    server = _serve(config, port, tmp_path, workers=1)  # restart: the log continues
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="chat", messages=[{"role": "user", "content": "hi"}]
        )
        new_id = raw.headers["x-sovgate-decision"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log = open_log_reader(f"sqlite:///{db}")
    entry = log.entry(new_id)
    assert entry is not None and entry.idx >= result.size
    assert verify_log(log).size > result.size
    log.close_sync()
