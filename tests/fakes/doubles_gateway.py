"""A served gateway with test doubles for classify/policy/protect/audit, real HTTP both ways."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from fakes import doubles
from fakes.anthropic_upstream import FakeAnthropic
from fakes.openai_upstream import FakeOpenAI
from fakes.serving import serve_in_thread
from sovgate.gateway.config import Config, parse_config
from sovgate.gateway.pipeline import Gateway
from sovgate.server import create_app
from sovgate.upstream import UpstreamPool

KEY = "test-key-de"
KEY_US_ONLY = "test-key-us-only"

CONFIG = """
gateway: {{region: DE, audit: "memory://", max_body_bytes: 65536, breaker: {{failures: 2, cooldown_s: 60}}}}
providers:
  - {{id: us-global, protocol: openai, base_url: "{us}", api_key_env: FAKE_US_KEY, timeout_s: 1,
     operator_country: US, hosting: [US], models: {{chat: gpt-4o, embed: text-embedding-3-small}}}}
  - {{id: fr-sovereign, protocol: openai, base_url: "{fr}", auth: x-api-key, api_key_env: FAKE_FR_KEY,
     operator_country: FR, hosting: [FR], models: {{chat: mistral-large, embed: mistral-embed}}}}
  - {{id: de-onprem, protocol: openai, base_url: "{de}", auth: none,
     operator_country: DE, hosting: [DE], on_prem: true, models: {{chat: llama-70b}}}}
  - {{id: preview, protocol: preview, operator_country: DE, hosting: [DE], on_prem: true,
     models: {{look: preview-model}}}}
  - {{id: anthropic-us, protocol: anthropic, base_url: "{an}", api_key_env: FAKE_AN_KEY,
     operator_country: US, hosting: [US], models: {{claude: claude-sonnet-4-5}}}}
tenants:
  - {{id: acme-de, home: DE, api_key_sha256: {digest},
     route: [us-global, fr-sovereign, de-onprem, preview, anthropic-us]}}
  - {{id: us-only, home: DE, api_key_sha256: {digest_us}, route: [us-global]}}
"""


@dataclass
class Setup:
    url: str
    config: Config
    gateway: Gateway
    audit: doubles.AuditList
    us: FakeOpenAI
    fr: FakeOpenAI
    de: FakeOpenAI
    an: FakeAnthropic

    def reset(self) -> None:
        for fake in (self.us, self.fr, self.de, self.an):
            fake.reset()
        self.audit.records.clear()
        self.audit.ahead.clear()
        self.audit.fail = False
        self.gateway.audit_failing = False
        for pid in ("us-global", "fr-sovereign", "de-onprem", "anthropic-us"):
            self.gateway.router.report(pid, True)


@contextlib.contextmanager
def doubles_gateway() -> Iterator[Setup]:
    env = {"FAKE_US_KEY": "sk-us", "FAKE_FR_KEY": "sk-fr", "FAKE_AN_KEY": "sk-ant"}
    us = FakeOpenAI("us", api_key="sk-us").start()
    fr = FakeOpenAI("fr", api_key="sk-fr", auth_header="x-api-key").start()
    de = FakeOpenAI("de").start()
    an = FakeAnthropic("an", api_key="sk-ant").start()
    text = CONFIG.format(
        us=us.base_url,
        fr=fr.base_url,
        de=de.base_url,
        an=an.base_url,
        digest=hashlib.sha256(KEY.encode()).hexdigest(),
        digest_us=hashlib.sha256(KEY_US_ONLY.encode()).hexdigest(),
    )
    config = parse_config(text, "test.yaml", env=env)
    audit = doubles.AuditList()
    holder: dict[str, Gateway] = {}

    @contextlib.asynccontextmanager
    async def opener():  # type: ignore[no-untyped-def]
        pool = UpstreamPool(config.providers, env)
        holder["gw"] = Gateway(
            config,
            classify=doubles.classify,
            decide=doubles.make_decide(config),
            protect=doubles.protect,
            audit=audit,
            upstreams=pool.adapters,
            dispatch=audit.dispatch,
        )
        try:
            yield holder["gw"]
        finally:
            await pool.close()

    try:
        with serve_in_thread(create_app(opener)) as url:
            yield Setup(url, config, holder["gw"], audit, us, fr, de, an)
    finally:
        for fake in (us, fr, de, an):
            fake.stop()
