"""Rules on finding details through the real server and the OpenAI SDK: a pack refuses material
marked STRENG GEHEIM and the organization's own code name by name, while VS-NfD still goes on-prem
under the baseline pack; the audit record names the marking; a rule naming a detail no detector
gives stops the server at start with the pack's file, rule and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openai
import pytest

from fakes.e2e_gateway import serve_cli as serve
from sovgate.audit import open_log_reader
from sovgate.gateway.config import load_config

ANCHOR = "  audit: sqlite:///./sovgate-audit.db\n"
DETECTION = """\
  detection:
    custom:
      - {detail: acme.codename, kind: CLASSIFIED, jurisdiction: DE, terms: [Project Falcon]}
"""
PACK = """\
pack: levels
rules:
  - id: geheim-refused
    when: {details: [GEHEIM, STRENG GEHEIM, "NATO:*SECRET", acme.codename]}
    effect: refuse
    reason: Material marked GEHEIM or higher, and Project Falcon, is not processed by language models.
    citation: ACME security instruction 4.2
"""


def _config(tmp_path: Path, pack: str = PACK) -> None:
    default = load_config(None).text
    assert ANCHOR in default and "policies: [baseline]" in default
    text = default.replace(ANCHOR, ANCHOR + DETECTION).replace(
        "policies: [baseline]", "policies: [baseline, ./levels.yaml]"
    )
    (tmp_path / "sovgate.yaml").write_text(text)
    (tmp_path / "levels.yaml").write_text(pack)


def test_rules_on_marking_levels_and_own_detector_names(tmp_path: Path) -> None:
    _config(tmp_path)
    with serve(["--config", "sovgate.yaml"], tmp_path) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)

        def ask(text: str) -> str:
            raw = client.chat.completions.with_raw_response.create(
                model="chat", messages=[{"role": "user", "content": text}]
            )
            return raw.headers["x-sovgate-provider"]

        refusals = {}
        for text in ("STRENG GEHEIM\n\nLagebericht Nord", "Timeline of Project Falcon?"):
            with pytest.raises(openai.PermissionDeniedError) as err:
                ask(text)
            body = err.value.body
            assert isinstance(body, dict) and body["code"] == "policy_denied", body
            assert "levels/geheim-refused" in body["message"]
            refusals[text] = err.value.response.headers["x-sovgate-decision"]
        # a lower marking is no such detail: the baseline pack keeps it on-prem in the tenant's home
        assert ask("VS-NUR FÜR DEN DIENSTGEBRAUCH\n\nDienstplan Mai") == "preview-onprem"
        assert ask("Plan the team offsite.") == "preview-us"
    log = open_log_reader(f"sqlite:///{tmp_path / 'sovgate-audit.db'}")
    try:
        by_id = {r.id: r for r in log.records()}
    finally:
        log.close_sync()
    marked = by_id[refusals["STRENG GEHEIM\n\nLagebericht Nord"]]
    assert marked.outcome == "policy_denied" and marked.status == 403 and marked.provider is None
    assert [(f.kind, f.jurisdiction, f.detail) for f in marked.findings] == [
        ("CLASSIFIED", "DE", "STRENG GEHEIM")
    ]
    own = by_id[refusals["Timeline of Project Falcon?"]]
    assert [(f.kind, f.detail) for f in own.findings] == [("CLASSIFIED", "acme.codename")]


def test_a_rule_naming_a_detail_no_detector_gives_stops_serve(tmp_path: Path) -> None:
    _config(tmp_path, PACK.replace("acme.codename]", "acme.codenames]"))
    run = subprocess.run(
        [sys.executable, "-m", "sovgate", "serve", "--config", "sovgate.yaml", "--port", "9"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    message = " ".join(run.stderr.split())
    assert "tenants[0].policies[1]" in message and "levels.yaml" in message
    assert "geheim-refused.when.details: no detector gives the detail 'acme.codenames'" in message
    assert "did you mean acme.codename?" in message
