"""Config loading: the issue's shape loads; every error names file, key path (and line) and reason."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sovgate.gateway.config import ConfigError, load_config, parse_config

DATA = Path(__file__).parent / "testdata" / "config"
BAD = sorted(DATA.glob("bad_*.yaml"))


def test_issue_example_loads_with_keys_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"OPENAI_API_KEY": "sk-1", "MISTRAL_API_KEY": "m-1", "ACME_DE_KEY": "acme"}.items():
        monkeypatch.setenv(name, value)
    cfg = load_config(DATA / "valid_issue_example.yaml")
    assert cfg.gateway.region == "DE" and cfg.gateway.audit == "sqlite:///./sovgate-audit.db"
    assert [p.id for p in cfg.providers] == ["us-global", "eu-sovereign", "de-onprem"]
    de = cfg.provider("de-onprem")
    assert de.on_prem and de.hosting == ("DE",) and de.models == {"chat": "llama-3.3-70b-instruct"}
    (tenant,) = cfg.tenants
    assert tenant.api_key_sha256 == hashlib.sha256(b"acme").hexdigest()
    assert tenant.route == ("us-global", "eu-sovereign", "de-onprem") and tenant.policies == ("baseline",)


def test_explain_mode_needs_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "MISTRAL_API_KEY", "ACME_DE_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=r"providers\[0\].api_key_env: environment variable OPENAI_API_KEY"):
        load_config(DATA / "valid_issue_example.yaml")
    cfg = load_config(DATA / "valid_issue_example.yaml", resolve_secrets=False)
    assert cfg.tenants[0].id == "acme-de"


def test_embedded_default_has_demo_tenant_and_preview_providers() -> None:
    cfg = load_config(None)
    assert {p.protocol for p in cfg.providers} == {"preview"}
    (demo,) = cfg.tenants
    assert demo.api_key_sha256 == hashlib.sha256(b"sovgate-demo").hexdigest()
    assert cfg.gateway.audit == "sqlite:///./sovgate-audit.db"


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_config_names_key_path_and_reason(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(str(path.parent / "")), str(exc.value)
    assert expected in str(exc.value)


def test_error_carries_line_number() -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(DATA / "bad_hosting.yaml")
    assert exc.value.line == 7 and exc.value.path == ("providers", 0, "hosting", 1)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(DATA / "nope.yaml")


def test_string_hosting_and_policies_are_accepted_as_one_item_lists() -> None:
    text = """
providers: [{id: a, protocol: preview, hosting: DE, models: {chat: m}}]
tenants: [{id: t, home: DE, api_key_env: K, policies: baseline, route: [a]}]
"""
    cfg = parse_config(text, env={"K": "key"})
    assert cfg.providers[0].hosting == ("DE",) and cfg.tenants[0].policies == ("baseline",)


def test_serve_refuses_bad_config_with_one_line_and_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "serve", "--config", str(DATA / "bad_hosting.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"sovgate: {DATA / 'bad_hosting.yaml'}:7: providers[0].hosting[1]:"
        " 'Germany' is not an ISO 3166-1 alpha-2 code"
    ]
    assert "Traceback" not in proc.stderr


def test_init_writes_a_starter_config_that_loads(tmp_path: Path) -> None:
    target = tmp_path / "sovgate.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "init", str(target)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    text = target.read_text()
    assert text.count("#") > 20  # commented
    cfg = parse_config(text, str(target), env={"ACME_DE_KEY": "k"})
    assert [t.id for t in cfg.tenants] == ["acme-de"]
    again = subprocess.run(
        [sys.executable, "-m", "sovgate", "init", str(target)], capture_output=True, text=True
    )
    assert again.returncode == 2 and "exists" in again.stderr


def test_serve_refuses_an_unusable_audit_url(tmp_path: Path) -> None:
    config = tmp_path / "sovgate.yaml"
    text = (
        (DATA / "valid_issue_example.yaml")
        .read_text()
        .replace("audit: sqlite:///./sovgate-audit.db", "audit: mysql://db/audit")
    )
    config.write_text(text)
    env = {**os.environ, "OPENAI_API_KEY": "o", "MISTRAL_API_KEY": "m", "ACME_DE_KEY": "a"}
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"sovgate: {config}:3: gateway.audit: unsupported audit URL")


def test_every_config_key_is_documented() -> None:
    import re

    from sovgate.gateway.config import (
        Breaker,
        Cosign,
        Detection,
        GatewaySettings,
        Pseudonyms,
        RateLimits,
        Tracing,
        Witness,
    )
    from sovgate.types import CustomRule, Provider, Tenant

    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_.0-9]+)` \|", doc, flags=re.M))
    keys = set(GatewaySettings.__struct_fields__) - {"breaker", "pseudonyms", "rate_limits", "detection"}
    keys |= {f"rate_limits.{k}" for k in RateLimits.__struct_fields__}
    keys |= {f"breaker.{k}" for k in Breaker.__struct_fields__}
    keys |= {f"pseudonyms.{k}" for k in Pseudonyms.__struct_fields__}
    keys |= {f"tracing.{k}" for k in Tracing.__struct_fields__}
    keys |= {f"witness.{k}" for k in Witness.__struct_fields__}
    keys |= {f"cosign.{k}" for k in Cosign.__struct_fields__}
    keys |= {f"detection.{k}" for k in Detection.__struct_fields__}
    keys |= {f"detection.custom.{k}" for k in CustomRule.__struct_fields__}
    keys |= set(Provider.__struct_fields__) | set(Tenant.__struct_fields__) | {"api_key_env"}
    assert keys - documented == set()


def test_pseudonym_settings() -> None:
    base = (
        "providers: [{id: a, protocol: preview, models: {chat: m}}]\n"
        "tenants: [{id: t, home: DE, api_key_env: K, route: [a]}]\n"
    )
    cfg = parse_config(base, env={"K": "k"})
    assert (cfg.gateway.pseudonyms.style, cfg.gateway.pseudonyms.vault) == ("placeholder", "memory")
    redis = "gateway: {pseudonyms: {vault: 'redis://127.0.0.1:6379/0', style: surrogate}}\n" + base
    with pytest.raises(ConfigError, match=r"gateway.pseudonyms.vault: a Redis vault needs SOVGATE_VAULT_KEY"):
        parse_config(redis, "c.yaml", env={"K": "k"})
    cfg = parse_config(redis, "c.yaml", env={"K": "k", "SOVGATE_VAULT_KEY": "x" * 44})
    assert cfg.gateway.pseudonyms.style == "surrogate"
    with pytest.raises(ConfigError, match=r"gateway.pseudonyms.style: must be placeholder or surrogate"):
        parse_config("gateway: {pseudonyms: {style: fake}}\n" + base, env={"K": "k"})


def test_serving_needs_a_provider_and_a_tenant_but_tools_do_not() -> None:
    from sovgate.gateway.config import check_servable

    cfg = parse_config("gateway: {audit: 'sqlite:///x.db'}\n", "c.yaml")  # enough for `sovgate audit`
    assert cfg.gateway.audit == "sqlite:///x.db"
    with pytest.raises(ConfigError, match=r"c.yaml:1: providers: at least one provider is needed"):
        check_servable(cfg)
    cfg = parse_config("providers: [{id: a, protocol: preview, models: {chat: m}}]\n", "c.yaml")
    with pytest.raises(ConfigError, match=r"tenants: at least one tenant is needed"):
        check_servable(cfg)


def test_serve_check_validates_without_serving(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "serve", "--check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "sovgate: embedded default config: OK (providers: 3, tenants: 1)"


def test_shared_breakers_need_a_redis_url() -> None:
    base = (
        "gateway: {{breaker: {{shared: '{url}'}}}}\n"
        "providers: [{{id: a, protocol: preview, models: {{chat: m}}}}]\n"
        "tenants: [{{id: t, home: DE, api_key_env: K, route: [a]}}]\n"
    )
    config = parse_config(base.format(url="redis://cache:6379/2"), "s.yaml", env={"K": "k"})
    assert config.gateway.breaker.shared == "redis://cache:6379/2"
    with pytest.raises(ConfigError) as info:
        parse_config(base.format(url="http://cache:6379"), "s.yaml", env={"K": "k"})
    assert "s.yaml:1: gateway.breaker.shared: must be a redis:// URL" in str(info.value)


def test_write_ahead_is_on_unless_turned_off(tmp_path: Path) -> None:
    import asyncio

    from sovgate.gateway.runtime import open_gateway

    default = (Path(__file__).parents[2] / "src/sovgate/gateway/default.yaml").read_text()
    text = default.replace("sqlite:///./sovgate-audit.db", f"sqlite:///{tmp_path}/a.db")

    async def dispatching(source: str) -> bool:
        async with open_gateway(parse_config(source, "sovgate.yaml")) as gw:
            return gw.dispatch is not None

    assert asyncio.run(dispatching(text))
    off = text.replace("gateway:\n", "gateway:\n  audit_write_ahead: false\n", 1)
    assert not asyncio.run(dispatching(off))
    with pytest.raises(ConfigError, match="audit_write_ahead"):
        parse_config(text.replace("gateway:\n", "gateway:\n  audit_write_ahead: maybe\n", 1), "sovgate.yaml")
