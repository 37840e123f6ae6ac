"""`explain`: the decision as data, from the same plan the server runs (doubles for classify/policy)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fakes import doubles
from sovgate.gateway.config import parse_config
from sovgate.gateway.errors import GatewayError
from sovgate.gateway.explain import explain
from sovgate.gateway.runtime import Components

REQUESTS = Path(__file__).parent / "testdata" / "requests"
CONFIG = parse_config(
    """
providers:
  - {id: us-global, protocol: openai, base_url: "https://api.openai.com/v1", operator_country: US,
     hosting: [US],
     models: {chat: gpt-4o}}
  - {id: fr-sovereign, protocol: openai, base_url: "https://api.eu.mistral.ai/v1", operator_country: FR,
     hosting: [FR], models: {chat: mistral-large}}
  - {id: de-onprem, protocol: openai, base_url: "http://10.0.0.5/v1", operator_country: DE, hosting: [DE],
     on_prem: true, models: {chat: llama}}
tenants:
  - {id: acme-de, home: DE, api_key_env: ACME, route: [us-global, fr-sovereign, de-onprem]}
""",
    "explain.yaml",
    resolve_secrets=False,
)
COMPONENTS = Components(doubles.classify, doubles.make_decide(CONFIG), doubles.protect)


def run(name: str, outbound: bool = False) -> dict:
    body = json.loads((REQUESTS / name).read_text())
    result = asyncio.run(explain(CONFIG, COMPONENTS, "acme-de", body, outbound=outbound))
    json.dumps(result)  # plain JSON data
    return result


def test_personal_data_without_raw_values() -> None:
    out = run("personal_email.json")
    assert out["chosen"] == "us-global" and out["outcome"] == "route"
    (finding,) = out["findings"]
    assert finding == {
        "kind": "EMAIL",
        "path": "messages[1].content",
        "start": 16,
        "end": 39,
        "jurisdiction": "DE",
        "detail": None,
        "score": 1.0,
    }
    assert "anna.schmidt" not in json.dumps(out)
    assert out["providers"][0]["pseudonymize"] == ["EMAIL"]
    assert [r["rule"] for r in out["rules"]] == ["test/personal"]


def test_classified_in_a_tool_result_goes_on_prem() -> None:
    out = run("classified_tool_result.json")
    assert out["findings"][0]["path"] == "messages[2].content"
    assert out["eligible"] == ["de-onprem"] and out["chosen"] == "de-onprem"
    excluded = {p["provider"]: p["excluded_by"] for p in out["providers"] if not p["eligible"]}
    assert excluded == {"us-global": "test/classified", "fr-sovereign": "test/classified"}


def test_secret_in_a_content_part_is_refused() -> None:
    out = run("secret.json")
    assert out["outcome"] == "policy_denied" and out["chosen"] is None
    assert out["refused"]["rule"] == "test/secret" and "test/secret" in out["message"]


def test_unknown_tenant_and_model() -> None:
    request = {"model": "chat", "messages": [{"role": "user", "content": "x"}]}
    with pytest.raises(GatewayError, match="unknown tenant"):
        asyncio.run(explain(CONFIG, COMPONENTS, "nobody", request))
    with pytest.raises(GatewayError, match="does not exist"):
        asyncio.run(explain(CONFIG, COMPONENTS, "acme-de", {**request, "model": "gpt-9"}))


def test_outbound_shows_what_the_chosen_provider_would_receive() -> None:
    assert "outbound" not in run("personal_email.json")
    out = run("personal_email.json", outbound=True)["outbound"]
    assert out["provider"] == "us-global" and out["pseudonymized"] == ["EMAIL"]
    assert out["body"]["model"] == "gpt-4o"
    assert out["body"]["messages"][1]["content"] == "Please write to [EMAIL_1] about her order."


def test_a_responses_body_is_explained_as_the_chat_completion_it_means() -> None:
    body = {"model": "chat", "instructions": "Be brief.", "input": "Write to anna.schmidt@example.de"}
    out = asyncio.run(explain(CONFIG, COMPONENTS, "acme-de", body, outbound=True))
    assert out["endpoint"] == "responses" and out["chosen"] == "us-global"
    (finding,) = out["findings"]
    assert (finding["kind"], finding["path"]) == ("EMAIL", "messages[1].content")
    sent = out["outbound"]["body"]["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief."} and "anna.schmidt" not in sent[1]["content"]
    # an unknown Responses parameter is named, as the server names it
    with pytest.raises(GatewayError, match="Unrecognized request argument supplied: colour"):
        asyncio.run(explain(CONFIG, COMPONENTS, "acme-de", body | {"colour": "blue"}))


def test_a_text_completion_body_is_explained_with_its_prompt() -> None:
    body = {"model": "chat", "prompt": "Write to anna.schmidt@example.de", "suffix": "# end"}
    out = asyncio.run(explain(CONFIG, COMPONENTS, "acme-de", body))
    assert out["endpoint"] == "completions" and out["chosen"] == "us-global"
    assert [(f["kind"], f["path"]) for f in out["findings"]] == [("EMAIL", "prompt")]
