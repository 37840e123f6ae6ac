"""An organization's own detectors through the real server and the OpenAI SDK: a code name keeps
the request on-prem, an employee number is masked for the US provider and counted in the audit
record, and nothing of either reaches a provider that may not see it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openai

from fakes.e2e_gateway import serve_cli as serve
from sovgate.audit import open_log_reader
from sovgate.gateway.config import load_config

CUSTOM = """\
  detection:
    custom:
      - detail: acme.employee_id
        kind: NATIONAL_ID
        pattern: '(?:Personalnr\\.?|EMP-)\\s*(?P<value>\\d{6})\\b'
        jurisdiction: DE
      - detail: acme.codename
        kind: CLASSIFIED
        terms: [Project Falcon, Bluebird]
    allow: [Anna Schmidt release]
"""


def test_custom_detectors_steer_and_mask_requests(tmp_path: Path) -> None:
    default = load_config(None).text
    anchor = "  audit: sqlite:///./sovgate-audit.db\n"
    assert anchor in default
    (tmp_path / "sovgate.yaml").write_text(default.replace(anchor, anchor + CUSTOM))
    with serve(["--config", "sovgate.yaml"], tmp_path) as url:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)

        def ask(text: str) -> tuple[str, str, str]:
            raw = client.chat.completions.with_raw_response.create(
                model="chat", messages=[{"role": "user", "content": text}]
            )
            sent = json.loads(raw.parse().choices[0].message.content)["body"]["messages"][0]["content"]
            return raw.headers["x-sovgate-provider"], sent, raw.headers["x-sovgate-decision"]

        # the code name is CLASSIFIED: the baseline pack keeps it on the organization's own systems
        provider, sent, _ = ask("Draft the PROJECT FALCON budget review.")
        assert provider == "preview-onprem" and "PROJECT FALCON" in sent
        # no code name, no restriction: the first provider of the route takes it
        assert ask("Draft the budget review.")[0] == "preview-us"
        # an employee number is a German national ID here: the US provider sees a placeholder
        provider, sent, decision = ask("Update the record of Personalnr. 123456, please.")
        assert provider == "preview-us"
        assert "123456" not in sent and "[NATIONAL_ID_1]" in sent
        # a product named like a person: allowed, so not masked; a person beside it still is
        provider, sent, _ = ask("Ship the Anna Schmidt release notes to Jonas Becker.")
        assert provider == "preview-us" and "Anna Schmidt release" in sent and "Jonas Becker" not in sent
        # a stream carries the same protection
        chunks = client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Why did EMP-654321 leave?"}], stream=True
        )
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert "654321" not in streamed and "[NATIONAL_ID_1]" in streamed
        # on-prem may see both in the clear: the code name decides where, nothing is masked there
        provider, sent, _ = ask("Why did EMP-654321 leave Bluebird?")
        assert provider == "preview-onprem" and "EMP-654321" in sent
    banner = (tmp_path / "serve.log").read_text()
    assert "own detectors: acme.employee_id, acme.codename; allowed terms: 1" in banner
    # the worker's start record tells an auditor what counted as data beyond the built-in detectors
    log = open_log_reader(f"sqlite:///{tmp_path / 'sovgate-audit.db'}")
    try:
        (start,) = [r for r in log.records() if r.action == "gateway.start"]
        by_id = {r.id: r for r in log.records()}
    finally:
        log.close_sync()
    assert start.details["detectors"] == "acme.employee_id,acme.codename"
    assert start.details["allowed_terms"] == "1"
    shown = subprocess.run(
        [sys.executable, "-m", "sovgate", "audit", "show", decision, "--config", "sovgate.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "NATIONAL_ID" in shown.stdout and "DE" in shown.stdout and "123456" not in shown.stdout
    # each request's record names the organization's own detectors that matched, and the API asked
    record = by_id[decision]
    assert (record.detectors, record.endpoint) == ({"acme.employee_id": 1}, "chat")
    assert start.endpoint is None and start.detectors == {}
