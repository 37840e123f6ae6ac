"""Building the real gateway from a config: classifier, compiled policies, upstreams, audit log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from sovgate.gateway._protection import Protect
from sovgate.gateway.config import Config
from sovgate.gateway.pipeline import AuditAppend, Classify, Decide, Gateway
from sovgate.types import Classification


class Components(NamedTuple):
    """The pure parts, built once (before the server forks workers, so errors surface early)."""

    classify: Classify
    decide: Decide
    protect: Protect | None


def compile_policies(config: Config) -> Decide:
    """Compile every tenant's packs into one engine; a defect is a ConfigError at tenants[i].policies[j]."""
    from sovgate.catalog import Catalog
    from sovgate.policy import Engine

    # packs and each tenant's chain are compiled here, once, never per request
    try:
        engine = Engine.compile([], config.providers, Catalog.builtin())
    except Exception as exc:
        raise config.error(("providers",), str(exc)) from None
    for i, tenant in enumerate(config.tenants):
        for j, spec in enumerate(tenant.policies):
            try:
                engine.load(spec)
            except Exception as exc:  # PolicyError names the pack file, rule and reason
                raise config.error(("tenants", i, "policies", j), str(exc)) from None
        engine.packs(tenant.policies)
    return engine.decide


def check_audit(config: Config) -> None:
    """Open and close the audit log once, so an unusable `gateway.audit` is a config error at start."""
    from sovgate.audit import open_audit_log_sync

    try:
        open_audit_log_sync(config.gateway.audit).close_sync()
    except Exception as exc:
        raise config.error(("gateway", "audit"), str(exc)) from None


def build_components(config: Config) -> Components:
    """The classifier (built once), the compiled policies and the protector."""
    from sovgate.classify import Classifier

    decide = compile_policies(config)
    classifier = Classifier.default()

    def classify(segments: list[Any]) -> Classification:
        return classifier.classify(segments)

    return Components(classify, decide, _protector())


def _protector() -> Protect | None:
    try:
        from sovgate.gateway._protect_adapter import protect
    except ImportError:  # protect not merged yet: providers needing pseudonymization are skipped
        return None
    return protect


@contextlib.asynccontextmanager
async def open_gateway(
    config: Config, components: Components | None = None, *, audit: AuditAppend | None = None
) -> AsyncIterator[Gateway]:
    """A started gateway: upstream pool and audit log open until the context exits."""
    from sovgate.upstream import UpstreamPool

    comps = components or build_components(config)
    async with contextlib.AsyncExitStack() as stack:
        fingerprint = None
        if audit is None:
            from sovgate.audit import open_audit_log
            from sovgate.gateway._audit import to_audit_record

            log = await open_audit_log(config.gateway.audit)
            stack.push_async_callback(log.close)
            fingerprint = log.fingerprint

            async def audit(rec: Any) -> int:
                return await log.append(to_audit_record(rec))

        pool = UpstreamPool(config.providers)
        stack.push_async_callback(pool.close)
        yield Gateway(
            config,
            classify=comps.classify,
            decide=comps.decide,
            protect=comps.protect,
            audit=audit,
            upstreams=pool.adapters,
            fingerprint=fingerprint,
        )
