"""`preset:` providers: facts from the built-in catalog, explicit keys override."""

from __future__ import annotations

import pytest

from sovgate.gateway.config import ConfigError, parse_config

catalog = pytest.importorskip("sovgate.catalog")
if not hasattr(catalog, "Catalog"):  # pragma: no cover - until the catalog is merged
    pytest.skip("sovgate.catalog not merged yet", allow_module_level=True)

TENANT = "tenants: [{id: t, home: DE, api_key_env: K, route: [%s]}]"


def test_preset_takes_catalog_facts_and_explicit_keys_override() -> None:
    text = f"""
providers:
  - preset: mistral-eu
  - preset: openai
    id: us
    models: {{chat: gpt-4o-mini}}
    timeout_s: 5
{TENANT % "mistral-eu, us"}
"""
    cfg = parse_config(text, env={"K": "k", "MISTRAL_API_KEY": "m", "OPENAI_API_KEY": "o"})
    mistral, us = cfg.providers
    assert mistral.id == "mistral-eu" and mistral.operator_country == "FR" and "FR" in mistral.hosting
    assert mistral.base_url.startswith("https://") and mistral.sources and mistral.preset == "mistral-eu"
    assert us.id == "us" and us.operator_country == "US" and us.models == {"chat": "gpt-4o-mini"}
    assert us.timeout_s == 5 and us.preset == "openai"


def test_unknown_preset_is_a_config_error_with_a_suggestion() -> None:
    text = "providers: [{preset: mistral-europe}]\n" + TENANT % "x"
    with pytest.raises(ConfigError, match=r"providers\[0\].preset: unknown preset 'mistral-europe'"):
        parse_config(text, "c.yaml", env={"K": "k"})


def test_preset_key_env_must_be_set() -> None:
    text = "providers: [{preset: mistral-eu}]\n" + TENANT % "mistral-eu"
    with pytest.raises(
        ConfigError, match=r"providers\[0\].api_key_env: environment variable MISTRAL_API_KEY"
    ):
        parse_config(text, "c.yaml", env={"K": "k"})


def test_preset_with_a_url_placeholder_must_be_given_a_base_url() -> None:
    text = "providers: [{preset: azure-openai-eu, models: {chat: gpt-4o}}]\n" + TENANT % "azure-openai-eu"
    env = {"K": "k", "AZURE_OPENAI_API_KEY": "a"}
    with pytest.raises(ConfigError, match=r"providers\[0\].base_url: fill in \{resource\}"):
        parse_config(text, "c.yaml", env=env)
    text = text.replace("models:", "base_url: 'https://acme.openai.azure.com/openai/v1', models:")
    (azure,) = parse_config(text, "c.yaml", env=env).providers
    assert azure.auth == "api-key" and azure.base_url == "https://acme.openai.azure.com/openai/v1"
