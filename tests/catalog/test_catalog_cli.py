"""`sovgate catalog list | show | advise` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def sovgate(*args: str, columns: int = 250) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": str(columns), "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ["PYTHONPATH"]}
    return subprocess.run(
        [sys.executable, "-m", "sovgate", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_list_json_filters_by_jurisdiction_and_open_weights() -> None:
    r = sovgate("catalog", "list", "--jurisdiction", "CN", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert {"qwen-cn", "qwen-intl", "qwen-eu", "ernie", "hunyuan", "deepseek"} <= set(rows)
    assert "openai" not in rows
    assert rows["qwen-eu"]["hosting"] == ["DE"] and rows["qwen-eu"]["exposure"] == ["CN-NIL"]
    assert rows["deepseek"]["flags"]["hosting"] == "S"
    assert all(row["sources"] and row["checked"] for row in rows.values())

    r = sovgate("catalog", "list", "--jurisdiction", "EU", "--open-weights", "--json")
    ids = {row["id"] for row in json.loads(r.stdout)}
    assert {"teuken", "eurollm", "soofi", "mistral-eu", "ionos", "salamandra"} <= ids
    assert "openai-eu" not in ids  # hosted in the EU, but closed weights
    assert "anthropic" not in ids


def test_list_table_and_unknown_jurisdiction() -> None:
    r = sovgate("catalog", "list")
    assert r.returncode == 0 and "azure-openai-eu" in r.stdout and "US-CLOUD-ACT" in r.stdout
    r = sovgate("catalog", "list", "--jurisdiction", "ATLANTIS")
    assert r.returncode == 2 and "unknown jurisdiction 'ATLANTIS'" in r.stderr


def test_list_fits_an_80_column_terminal() -> None:
    r = sovgate("catalog", "list", columns=80)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    first_cells = {line.split()[0] for line in lines if line.strip()}
    ids = {row["id"] for row in json.loads(sovgate("catalog", "list", "--json").stdout)}
    assert ids <= first_cells  # every preset id whole, on one line, not cut to "azure-o…"
    assert "…" not in r.stdout
    row = next(line for line in lines if line.split()[:1] == ["azure-openai-eu"])
    assert row.split()[1:4] == ["US", "EU", "US-CLOUD-ACT"]


def test_list_wide_shows_protocol_base_url_and_auth() -> None:
    r = sovgate("catalog", "list", "--wide", "--jurisdiction", "DE", columns=300)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "│ azure-openai-eu" in line)
    assert "https://{resource}.openai.azure.com/openai/v1" in row and "api-key" in row and "openai" in row
    row = next(line for line in r.stdout.splitlines() if "│ stackit " in line)
    assert "onstackit.cloud/v1" in row and "bearer" in row


def test_show_and_unknown_preset() -> None:
    r = sovgate("catalog", "show", "stackit")
    assert r.returncode == 0 and "onstackit.cloud" in r.stdout and "checked 2026-11-26" in r.stdout
    r = sovgate("catalog", "show", "stackitt")
    assert r.returncode == 2 and "did you mean stackit" in r.stderr


def test_advise_json() -> None:
    r = sovgate(
        "catalog", "advise", "--operates-in", "DE,FR,CN,AE", "--data", "health,personal,financial", "--json"
    )
    assert r.returncode == 0, r.stderr
    advice = {(a["country"], a["data"]): a for a in json.loads(r.stdout)}
    assert len(advice) == 12
    de_health = advice[("DE", "health")]
    assert "eu-gdpr" in de_health["packs"]
    assert {"ionos", "scaleway"} <= set(de_health["clear"]) and "openai" not in de_health["clear"]
    assert "teuken" in de_health["self_hosted"] and "soofi" in de_health["initiatives"]
    why = {w["rule"]: w for w in de_health["rules"]}
    assert "GDPR Art. 9" in why["baseline/special-categories-eea"]["citation"]
    assert "openai" in why["baseline/special-categories-eea"]["excluded"]
    assert why["eu-gdpr/art9-special-categories"]["excluded"] == []  # excluded first by the baseline
    assert "openai" in advice[("DE", "personal")]["pseudonymized"]
    cn = advice[("CN", "personal")]
    assert "cn-pipl" in cn["packs"] and set(cn["clear"]) == {
        "qwen-cn",
        "ernie",
        "hunyuan",
        "deepseek",
        "zhipu-cn",
        "moonshot-cn",
    }
    ae = advice[("AE", "health")]
    assert ae["clear"] == [] and {"falcon", "jais"} <= set(ae["self_hosted"])
    assert {"falcon", "jais"} <= set(ae["initiatives"])


def test_advise_lists_national_initiatives_and_explains_an_empty_country() -> None:
    r = sovgate(
        "catalog", "advise", "--operates-in", "CN,RU,DE", "--data", "personal,health,classified", "--json"
    )
    assert r.returncode == 0, r.stderr
    advice = {(a["country"], a["data"]): a for a in json.loads(r.stdout)}
    cn = advice[("CN", "personal")]
    assert {"qwen-cn", "ernie", "hunyuan", "deepseek"} <= set(cn["initiatives"])
    assert cn["programmes"] == [] and cn["notes"] == []
    de = advice[("DE", "personal")]
    assert {"teuken", "eurollm", "soofi"} <= set(de["programmes"])  # state-backed first
    assert {"ionos", "stackit"} <= set(de["initiatives"]) - set(de["programmes"])
    assert "vllm" not in de["initiatives"] and "openai" not in de["initiatives"]
    ru = advice[("RU", "health")]
    assert ru["initiatives"] == [] and ru["clear"] == [] and ru["pseudonymized"] == []
    assert "no hosted service is eligible at all" in ru["notes"][0]
    assert "no catalog service is known to be hosted in Russia" in ru["notes"][0]
    assert "ru-242fz/special-categories-in-russia" in ru["notes"][0]
    assert "eligible in the clear" in advice[("RU", "personal")]["notes"][0]
    assert advice[("DE", "classified")]["notes"][0].startswith("only the organisation's own systems in DE")

    text = sovgate("catalog", "advise", "--operates-in", "CN,RU", "--data", "health").stdout
    assert (
        "sovereign initiatives: national providers: qwen-cn, qwen-intl, qwen-eu, ernie, hunyuan, deepseek"
        in text
    )
    assert "none in the catalog (nor in the reference)" in text
    assert "RU health: no hosted service is eligible at all" in text


def test_advise_rejects_unknown_data_class() -> None:
    r = sovgate("catalog", "advise", "--operates-in", "DE", "--data", "gossip")
    assert r.returncode == 2 and "unknown data class 'gossip'" in r.stderr and "health" in r.stderr
