"""The commands as a new user runs them: `serve` on the embedded default, `explain`, `serve --workers`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import openai

from fakes.e2e_gateway import serve_cli as serve

TESTDATA = Path(__file__).parent / "testdata"


def test_default_serve_needs_no_keys_and_previews_the_outbound_request(tmp_path: Path) -> None:
    with serve([], tmp_path) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="chat", messages=[{"role": "user", "content": "Schreib an max.mustermann@beispiel.de"}]
        )
        assert raw.headers["x-sovgate-provider"] == "preview-us"
        outbound = json.loads(raw.parse().choices[0].message.content)
        assert outbound["url"] == "https://api.openai.com/v1/chat/completions"
        sent = outbound["body"]["messages"][0]["content"]
        assert "max.mustermann@beispiel.de" not in sent and "[EMAIL_1]" in sent
        plain = client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in plain if c.choices)
        assert json.loads(text)["body"]["model"] == "gpt-4o-mini"
        # the other endpoints preview their own wire: a text completion, a Responses request
        done = client.completions.create(model="chat", prompt="Schreib an max.mustermann@beispiel.de")
        outbound = json.loads(done.choices[0].text)
        assert outbound["url"] == "https://api.openai.com/v1/completions"
        assert outbound["body"]["prompt"] == "Schreib an [EMAIL_1]"
        streamed = client.completions.create(model="chat", prompt="Hi", stream=True)
        assert json.loads("".join(c.choices[0].text for c in streamed))["body"]["prompt"] == "Hi"
        answer = client.responses.create(model="chat", instructions="Be brief.", input="Hi")
        sent_chat = json.loads(answer.output_text)["body"]["messages"]
        assert sent_chat == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    # the decision header names the durable audit record, which the audit CLI shows (no raw values)
    shown = subprocess.run(
        [sys.executable, "-m", "sovgate", "audit", "show", raw.headers["x-sovgate-decision"]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "preview-us" in shown.stdout and "EMAIL" in shown.stdout
    assert "max.mustermann" not in shown.stdout


def test_explain_prints_the_decision_without_sending(tmp_path: Path) -> None:
    config = (TESTDATA / "four_upstreams.yaml").read_text()
    for name in ("US_URL", "FR_URL", "DE_URL", "CN_URL"):
        config = config.replace("${" + name + "}", "http://127.0.0.1:9/v1")  # nothing listens: nothing sent
    config = config.replace("${AUDIT_DB}", str(tmp_path / "unused.db"))
    (tmp_path / "sovgate.yaml").write_text(config)
    request = {
        "model": "chat",
        "messages": [
            {"role": "user", "content": "Patientin Erika Musterfrau hat Diabetes, Tel. +49 30 1234567."}
        ],
    }
    (tmp_path / "request.json").write_text(json.dumps(request))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sovgate",
            "explain",
            "--config",
            "sovgate.yaml",
            "--tenant",
            "acme-de",
            "request.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["chosen"] == "fr-sovereign" and "us-global" not in out["eligible"]
    us = next(p for p in out["providers"] if p["provider"] == "us-global")
    assert us["eligible"] is False and us["excluded_by"] == "baseline/special-categories-eea"
    assert {f["kind"] for f in out["findings"]} >= {"PHONE"} and "HEALTH" in out["categories"]
    assert "+49 30 1234567" not in proc.stdout and "Musterfrau" not in proc.stdout
    assert not (tmp_path / "unused.db").exists()


def test_workers_share_the_port_and_one_audit_log(tmp_path: Path) -> None:
    from sovgate.audit import decode_leaf, open_audit_log_sync

    with serve(["--workers", "2"], tmp_path) as url:
        ids = []
        for i in range(6):
            r = httpx.post(
                url + "/v1/chat/completions",
                json={"model": "chat", "messages": [{"role": "user", "content": f"hi {i}"}]},
                headers={"authorization": "Bearer sovgate-demo"},
                timeout=20,
            )
            assert r.status_code == 200, r.text
            ids.append(r.headers["x-sovgate-decision"])
        workers = subprocess.run(
            ["pgrep", "-f", f"sovgate serve --port {url.rsplit(':', 1)[1]}"], capture_output=True
        )
        assert len(workers.stdout.split()) == 3  # the supervisor and its two forked workers
    log = open_audit_log_sync(f"sqlite:///{tmp_path / 'sovgate-audit.db'}")
    try:
        entries = [log.entry(rid) for rid in ids]
        assert all(e is not None for e in entries)
        assert len({e.idx for e in entries}) == 6  # one sequence across workers
        assert {decode_leaf(e.payload).outcome for e in entries} == {"ok"}
    finally:
        log.close_sync()


def test_workers_metrics_count_every_workers_requests_whichever_answers(tmp_path: Path) -> None:
    """Each scrape of /metrics reaches one worker or the other; each must report all requests."""
    import os
    import re
    import time

    n = 12
    with serve(["--workers", "2"], tmp_path, env={"TMPDIR": str(tmp_path)}) as url:
        for _ in range(n):  # a new connection each: the kernel spreads them over both workers
            r = httpx.post(
                url + "/v1/chat/completions",
                json={"model": "chat", "messages": [{"role": "user", "content": "Mail max@beispiel.de"}]},
                headers={"authorization": "Bearer sovgate-demo"},
                timeout=20,
            )
            assert r.status_code == 200 and r.headers["x-sovgate-provider"] == "preview-us", r.text
        (shared,) = tmp_path.glob("sovgate-metrics-*")
        counted_by = {int(m[1]) for f in os.listdir(shared) if (m := re.fullmatch(r"counter_(\d+)\.db", f))}
        assert len(counted_by) == 2, os.listdir(shared)  # both workers served some of them
        want = (
            f'sovgate_requests_total{{endpoint="chat",provider="preview-us",status="200"}} {n}.0',
            f'sovgate_finding_requests_total{{kind="EMAIL"}} {n}.0',
            f'sovgate_data_flows_total{{destination="US",pseudonymized="true",subject="DE"}} {n}.0',
            'sovgate_provider_circuit_state{provider="preview-us"} 0.0',
        )
        deadline = time.monotonic() + 10  # decision counts reach the shared files within a second
        while True:
            scrapes = [httpx.get(url + "/metrics").text.splitlines() for _ in range(8)]
            if all(line in lines for lines in scrapes for line in want) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        for lines in scrapes:
            assert [line for line in want if line not in lines] == []
    assert not shared.exists()  # removed when serve stops


def test_asgi_factory_for_other_servers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fakes.serving import serve_in_thread
    from sovgate.gateway.asgi import CONFIG_ENV, from_env

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, "")  # empty: the embedded default
    with serve_in_thread(from_env()) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)
        raw = client.embeddings.with_raw_response.create(model="embed", input="VS-NfD Lagebild")
        assert raw.headers["x-sovgate-provider"] == "preview-onprem"  # classified: on-prem only
        assert raw.parse().model_extra["sovgate_preview"]["url"] == "http://vllm.internal:8000/v1/embeddings"
    assert (tmp_path / "sovgate-audit.db").exists()
