"""Acceptance: the CLI as a new user meets it (README's first command, init, broken configs, detect,
policy test, catalog advise, audit export/report)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from fakes.e2e_gateway import E2E
from fakes.serving import free_port


def sovgate(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "sovgate", *args],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=cwd,
        env=env,
        input=stdin,
    )


def test_readme_first_command_serves_the_embedded_default_with_the_demo_key(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovgate", "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()  # type: ignore[union-attr]
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "sovgate serve did not come up"
            time.sleep(0.1)
        client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="chat",
            messages=[{"role": "user", "content": "Hallo, ich bin Jürgen Müller, jmueller@example.de"}],
        )
        assert raw.headers["x-sovgate-provider"] == "preview-us" and raw.headers["x-sovgate-decision"]
        preview = json.loads(raw.parse().choices[0].message.content or "")
        assert preview["url"] == "https://api.openai.com/v1/chat/completions"
        sent = preview["body"]["messages"][0]["content"]
        assert "Jürgen Müller" not in sent and "jmueller@example.de" not in sent and "[EMAIL_1]" in sent
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).models.list()
    finally:
        proc.terminate()
        proc.wait(15)
    assert (tmp_path / "sovgate-audit.db").exists()


def test_init_writes_a_config_that_explain_accepts(tmp_path: Path) -> None:
    assert sovgate("init", "sovgate.yaml", cwd=tmp_path).returncode == 0
    again = sovgate("init", "sovgate.yaml", cwd=tmp_path)
    assert again.returncode != 0 and "exists" in again.stderr  # never overwrites silently
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps({"model": "chat", "messages": [{"role": "user", "content": "VS-NfD: Plan"}]})
    )
    env = {**os.environ, "ACME_DE_KEY": "k"}
    out = sovgate(
        "explain", "--config", "sovgate.yaml", "--tenant", "acme-de", "request.json", cwd=tmp_path, env=env
    )
    assert out.returncode == 0, out.stderr
    decision = json.loads(out.stdout)
    assert decision["chosen"] == "de-onprem" and decision["eligible"] == ["de-onprem"]
    excluded = {p["provider"]: p["excluded_by"] for p in decision["providers"] if not p["eligible"]}
    assert excluded and set(excluded.values()) == {"baseline/markings-on-prem-home"}


BASE = """\
gateway:
  region: DE
  audit: sqlite:///./a.db
providers:
  - id: eu
    protocol: openai
    base_url: http://127.0.0.1:9/v1
    auth: none
    operator_country: FR
    hosting: [FR]
    models: {chat: m}
tenants:
  - id: t
    home: DE
    api_key_sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    policies: [baseline]
    route: [eu]
"""
BROKEN = {
    "region-type": (("region: DE", "region: 5"), "gateway.region"),
    "region-name": (("region: DE", "region: Germany"), "gateway.region"),
    "unknown-key": (("  region: DE", "  region: DE\n  regoin: DE"), "regoin"),
    "hosting-name": (("hosting: [FR]", "hosting: [France]"), "providers[0].hosting[0]"),
    "on-prem-type": (("auth: none", "auth: none\n    on_prem: maybe"), "providers[0].on_prem"),
    "unknown-protocol": (("protocol: openai", "protocol: grpc"), "providers[0].protocol"),
    "route-unknown-provider": (("route: [eu]", "route: [eu, us]"), "tenants[0].route[1]"),
    "missing-env-key": (("auth: none", "api_key_env: QA_SURELY_NOT_SET"), "providers[0].api_key_env"),
    "unknown-pack": (("policies: [baseline]", "policies: [eu-gdrp]"), "tenants[0].policies[0]"),
    "unknown-preset": (("    protocol: openai", "    preset: mistral-ue"), "providers[0].preset"),
    "bad-yaml": (("models: {chat: m}", "models: {chat: m"), "invalid YAML"),
    "bad-audit-url": (("sqlite:///./a.db", "mysql://x/y"), "gateway.audit"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_config_names_file_key_path_and_reason(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `serve` does before binding (load, compile packs, open the audit log), in-process for speed."""
    from sovgate.gateway.config import ConfigError, load_config
    from sovgate.gateway.runtime import build_components, check_audit

    (old, new), key_path = BROKEN[name]
    assert old in BASE
    path = tmp_path / f"{name}.yaml"
    path.write_text(BASE.replace(old, new))
    monkeypatch.delenv("QA_SURELY_NOT_SET", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as exc:
        cfg = load_config(path)
        build_components(cfg)
        check_audit(cfg)
    message = str(exc.value)
    assert "\n" not in message and re.match(rf".*{re.escape(name)}\.yaml:\d+: ", message), message
    assert key_path in message, message


def test_serve_refuses_a_broken_config_with_one_line_and_exit_2(tmp_path: Path) -> None:
    names = ("region-type", "missing-env-key", "unknown-pack")
    env = {k: v for k, v in os.environ.items() if k != "QA_SURELY_NOT_SET"}
    procs = {}
    for name in names:
        (old, new), _ = BROKEN[name]
        (tmp_path / f"{name}.yaml").write_text(BASE.replace(old, new))
        procs[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sovgate",
                "serve",
                "--config",
                f"{name}.yaml",
                "--port",
                str(free_port()),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    for name, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"{name}: serve started on a broken config")
        assert proc.returncode == 2, f"{name}: exit {proc.returncode}: {out}{err}"
        line = err.strip()
        assert "Traceback" not in out + err and "\n" not in line, line
        assert line.startswith(f"sovgate: {name}.yaml:") and BROKEN[name][1] in line, line


def test_detect_speaks_the_jsonl_contract() -> None:
    records = [
        {
            "id": "a",
            "text": "Anna Becker, anna.becker@example.de, IBAN DE89 3704 0044 0532 0130 00",
            "lang": "de",
        },
        {"id": "b", "text": "What is the capital of France?"},
        {"id": "c", "text": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"},
    ]
    out = sovgate("detect", "-", stdin="".join(json.dumps(r) + "\n" for r in records))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    results = {r["id"]: r for r in lines if "id" in r}
    assert set(results) == {"a", "b", "c"}
    text = records[0]["text"]
    found = {(e["type"], text[e["start"] : e["end"]]) for e in results["a"]["entities"]}
    assert found >= {("PERSON", "Anna Becker"), ("EMAIL", "anna.becker@example.de")}
    iban = next(e for e in results["a"]["entities"] if e["type"] == "IBAN")
    assert text[iban["start"] : iban["end"]] == "DE89 3704 0044 0532 0130 00" and iban["jurisdiction"] == "DE"
    assert set(iban) == {"type", "start", "end", "score", "jurisdiction"}
    assert results["b"]["entities"] == [] and results["b"]["categories"] == []
    assert "SECRET" in results["c"]["categories"]


def test_builtin_policy_fixtures_pass_and_a_wrong_expectation_fails(tmp_path: Path) -> None:
    builtin = sovgate("policy", "test")
    assert builtin.returncode == 0 and re.search(r"\d+ passed, 0 failed, 0 errors", builtin.stdout)
    (tmp_path / "wrong.yaml").write_text(
        "packs: [baseline]\n"
        "providers:\n  us: {preset: openai}\n  eu: {preset: mistral-eu, hosting: [FR]}\n"
        "tenant: {id: t, home: DE, route: [us, eu]}\n"
        "cases:\n  - name: health is not for the US\n    categories: [HEALTH]\n"
        "    findings: [{kind: PERSON}]\n    expect: {eligible: [us, eu]}\n"
    )
    wrong = sovgate("policy", "test", str(tmp_path))
    assert wrong.returncode == 1 and "FAIL" in wrong.stdout


def test_catalog_advise_keeps_german_health_data_in_the_eu() -> None:
    out = sovgate("catalog", "advise", "--operates-in", "DE,CN", "--data", "health,personal", "--json")
    assert out.returncode == 0, out.stderr
    advice = {(a["country"], a["data"]): a for a in json.loads(out.stdout)}
    de_health = advice[("DE", "health")]
    assert de_health["clear"] and not {"openai", "anthropic", "gemini", "deepseek"} & set(de_health["clear"])
    assert not {"openai", "anthropic"} & set(de_health["pseudonymized"])
    assert any(r["citation"].startswith("GDPR Art. 9") for r in de_health["rules"])
    cn = advice[("CN", "personal")]
    assert cn["clear"] and "openai" not in cn["clear"] + cn["pseudonymized"]


def test_audit_export_and_report_show_the_flows(gateway: E2E, tmp_path: Path) -> None:
    gateway.client().chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "Patientin Anna Schmidt hat Diabetes Typ 2."}]
    )
    out = sovgate("audit", "export", "--format", "jsonl", "--audit", gateway.audit_url)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    health = [r for r in rows if "HEALTH" in r["categories"]]
    assert health and all(r["provider"] in {"fr-sovereign", "de-onprem"} for r in health)
    assert {
        "time",
        "tenant",
        "categories",
        "subject_jurisdictions",
        "provider",
        "operator_country",
        "hosting",
    } <= set(health[0])
    assert "Anna Schmidt" not in out.stdout
    csv = sovgate("audit", "export", "--format", "csv", "--audit", gateway.audit_url)
    assert csv.returncode == 0 and csv.stdout.splitlines()[0].startswith("time,")
    report = sovgate("audit", "report", "--audit", gateway.audit_url)
    assert report.returncode == 0 and "HEALTH" in report.stdout
