"""Building the real gateway from a config: classifier, compiled policies, upstreams, audit log.

The capability packages are imported inside the functions so that `sovgate --help` and
the other commands start without loading detectors and policy packs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sovgate.gateway._protection import Protect
from sovgate.gateway.config import Config
from sovgate.gateway.pipeline import AuditAppend, Classify, Decide, Gateway

if TYPE_CHECKING:
    from sovgate.limits import RateLimiter


class Components(NamedTuple):
    """The pure parts, built once (before the server forks workers, so errors surface early)."""

    classify: Classify
    decide: Decide
    protect: Protect | None


def compile_policies(config: Config) -> Decide:
    """Compile every tenant's packs into one engine; a defect is a ConfigError at tenants[i].policies[j]."""
    from sovgate.catalog import Catalog
    from sovgate.classify.details import known_details
    from sovgate.policy import Engine

    # packs and each tenant's chain are compiled here, once, never per request; rules may name the
    # details of the built-in detectors and of the config's own
    details = known_details(config.gateway.detection.custom)
    try:
        engine = Engine.compile([], config.providers, Catalog.builtin(), details)
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
        log = open_audit_log_sync(config.gateway.audit)
        origin = log.origin
        log.close_sync()
    except Exception as exc:
        raise config.error(("gateway", "audit"), str(exc)) from None
    from sovgate.upstream import is_hop_value

    peers = any(p.protocol == "sovgate" for p in config.providers)
    if peers and not is_hop_value(origin):
        raise config.error(
            ("gateway", "audit"),
            f"this log's origin {origin!r} is sent to peer gateways (x-sovgate-forwarded-by): it must be "
            "1-200 printable ASCII characters (the origin is the name in the log's key file)",
        )


def open_witness(config: Config) -> Any:
    """The witness of `gateway.witness` (its key created on first start), or None when not set.
    Raises ConfigError naming the key when its key file or state directory is unusable."""
    settings = config.gateway.witness
    if settings is None:
        return None
    from sovgate.audit.note import NoteError
    from sovgate.audit.witness import open_witness as _open

    try:
        Path(settings.state).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise config.error(("gateway", "witness", "state"), str(exc)) from None
    try:
        return _open(settings.name, Path(settings.key), Path(settings.state), list(settings.logs))
    except (NoteError, OSError) as exc:
        raise config.error(("gateway", "witness", "key"), str(exc)) from None


def check_tracing(config: Config) -> None:
    """`gateway.tracing` needs the OpenTelemetry SDK and exporter (the `otel` extra)."""
    if config.gateway.tracing is None:
        return
    from sovgate.server.tracing import TracingUnavailable, check_installed

    try:
        check_installed()
    except TracingUnavailable as exc:
        raise config.error(("gateway", "tracing"), str(exc)) from None


def classifier_for(config: Config) -> Any:
    """The process's classifier, with the config's own detectors and allowed terms if it has any
    (`gateway.detection`; also what `detect --config` and `policy test --config` use)."""
    from sovgate.classify import Classifier

    detection = config.gateway.detection
    if detection.custom or detection.allow:
        return Classifier(detection.custom, detection.allow)
    return Classifier.default()


def build_components(config: Config) -> Components:
    """The classifier (built once), the compiled policies and the protector."""
    decide = compile_policies(config)
    classify: Classify = classifier_for(config).classify  # bound method: no extra frame per request

    from sovgate.gateway._protect_adapter import Protector

    return Components(classify, decide, Protector(config.gateway.pseudonyms.style))


def _open_vault(config: Config) -> Any:
    """The pseudonym vault of `gateway.pseudonyms.vault`, opened inside the worker's event loop."""
    from sovgate.protect import MemoryVault, RedisVault, vault_key

    ps = config.gateway.pseudonyms
    if ps.vault == "none":
        return None
    if ps.vault == "memory":
        return MemoryVault(ttl_s=ps.ttl_s)
    return RedisVault.from_url(ps.vault, vault_key(), ttl_s=ps.ttl_s)


def _conversation_key(tenant_id: str, header: str | None, body: dict[str, Any]) -> str | None:
    from sovgate.protect import conversation_id

    return conversation_id(tenant_id, {"x-sovgate-conversation": header} if header else {}, body)


@contextlib.asynccontextmanager
async def open_gateway(
    config: Config,
    components: Components | None = None,
    *,
    audit: AuditAppend | None = None,
    workers: int = 1,
) -> AsyncIterator[Gateway]:
    """A started gateway: upstream pool and audit log open until the context exits. `workers`:
    how many processes serve together (each takes its share of the tenants' rate limits)."""
    from sovgate.upstream import UpstreamPool

    comps = components or build_components(config)
    async with contextlib.AsyncExitStack() as stack:
        fingerprint = None
        log = None
        dispatch: AuditAppend | None = None  # write-ahead: with the real log only
        if audit is None:
            from sovgate.audit import open_audit_log
            from sovgate.gateway._audit import to_audit_record

            log = await open_audit_log(
                config.gateway.audit, commit_delay_s=config.gateway.audit_commit_delay_ms / 1000
            )
            stack.push_async_callback(log.close)
            fingerprint = log.fingerprint
            # the configuration and policies this process will apply are themselves on the record
            await log.append(_start_record(config, log.fingerprint))

            own = frozenset(r.detail for r in config.gateway.detection.custom)

            async def audit(rec: Any) -> int:
                return await log.append(to_audit_record(rec, own))

            async def dispatch(rec: Any) -> None:
                await log.dispatch(to_audit_record(rec, own))

        pool = UpstreamPool(config.providers)
        stack.push_async_callback(pool.close)
        from sovgate.gateway._protect_adapter import Protector

        protector = comps.protect
        if isinstance(protector, Protector):
            protector.vault = _open_vault(config)  # per worker: after any fork
            stack.push_async_callback(protector.aclose)
        limits = _open_limits(config, workers)
        if limits is not None:
            stack.push_async_callback(limits.aclose)
        gateway = Gateway(
            config,
            classify=comps.classify,
            decide=comps.decide,
            protect=comps.protect,
            audit=audit,
            upstreams=pool.adapters,
            fingerprint=fingerprint,
            conversation_key=_conversation_key,
            origin=log.origin if log is not None else "",
            limits=limits,
            dispatch=dispatch if config.gateway.audit_write_ahead else None,
        )
        if log is not None:  # group commit: the writer holds a commit while more records are coming
            log.working = lambda: gateway.working
        if log is not None and config.gateway.cosign is not None:
            _start_cosigner(config, stack)
        if config.gateway.breaker.shared:  # per worker: after any fork
            from sovgate.route.shared import SharedBreakers

            shared = SharedBreakers.from_url(config.gateway.breaker.shared, gateway.router)
            await shared.start()
            stack.push_async_callback(shared.aclose)
        yield gateway


def _start_cosigner(config: Config, stack: contextlib.AsyncExitStack) -> None:
    """Have the log's checkpoints cosigned by `gateway.cosign`'s witnesses (one worker does it)."""
    import asyncio

    from sovgate.audit.cosigner import Cosigner
    from sovgate.audit.note import Verifier

    settings = config.gateway.cosign
    assert settings is not None
    witnesses = [(w.url, Verifier.from_vkey(w.vkey)) for w in settings.witnesses]
    cosigner = Cosigner(config.gateway.audit, witnesses, settings.interval_s)
    task = asyncio.ensure_future(cosigner.run())

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task

    stack.push_async_callback(stop)


def _open_limits(config: Config, workers: int) -> RateLimiter | None:
    """The tenants' rate limits for this worker (after any fork): shared through Redis when
    `gateway.rate_limits.shared` is set, else this worker's share; None when no tenant has one."""
    from sovgate.limits import Limits, SharedLimits

    limits = {t.id: t.rate_limit for t in config.tenants if t.rate_limit is not None}
    if not limits:
        return None
    if config.gateway.rate_limits.shared:
        return SharedLimits.from_url(config.gateway.rate_limits.shared, limits, workers=workers)
    return Limits(limits, workers=workers)


def _start_record(config: Config, fingerprint: Callable[[bytes], str]) -> Any:
    """The admin record of a gateway process starting with `config` (one per worker process)."""
    from sovgate import __version__
    from sovgate.audit import admin_record

    packs = sorted({p for t in config.tenants for p in t.policies})
    details = {
        "config": config.source,
        "region": config.gateway.region,
        "policies": ",".join(packs),
        "providers": ",".join(p.id for p in config.providers),
        "tenants": ",".join(t.id for t in config.tenants),
        "version": __version__,
        "pid": str(os.getpid()),
    }
    detection = config.gateway.detection
    if detection.custom or detection.allow:
        # what counts as personal or classified data here, beyond the built-in detectors
        details["detectors"] = ",".join(r.detail for r in detection.custom)
        details["allowed_terms"] = str(len(detection.allow))
    return admin_record("gateway.start", details=details, fingerprint=fingerprint(config.text.encode()))
