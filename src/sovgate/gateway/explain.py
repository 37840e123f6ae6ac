"""`sovgate explain`: the decision for one request, without sending anything."""

from __future__ import annotations

from typing import Any

import msgspec

from sovgate.gateway._protection import ProtectionImpossible
from sovgate.gateway._yaml import format_path
from sovgate.gateway.config import Config
from sovgate.gateway.errors import GatewayError, model_not_found
from sovgate.gateway.pipeline import Plan, endpoint_refusal, plan, refusal
from sovgate.gateway.runtime import Components
from sovgate.route import choose
from sovgate.server.responses import to_chat
from sovgate.server.validate import CHECKS
from sovgate.types import Provider
from sovgate.upstream._outbound import upstream_body


async def explain(
    config: Config, components: Components, tenant_id: str, body: dict[str, Any], *, outbound: bool = False
) -> dict[str, Any]:
    """The decision as plain data: findings (no raw values), rules, verdicts, eligible set, choice.

    With `outbound`, also the body the chosen provider would receive (pseudonymized as its verdict
    requires, upstream model name): this contains the request's text, so it is opt-in.
    """
    tenant = next((t for t in config.tenants if t.id == tenant_id), None)
    if tenant is None:
        raise GatewayError(
            404, f"unknown tenant {tenant_id!r} (known: {', '.join(t.id for t in config.tenants)})"
        )
    endpoint = _endpoint(config, body)
    if endpoint == "responses":  # explained as the chat completion it is translated into
        body = to_chat(body, "explain")[0]
    CHECKS[endpoint](body)
    model = body["model"]
    providers = {p.id: p for p in config.providers}
    serving = {pid for pid in tenant.route if model in providers[pid].models}
    if not serving:
        models = sorted({m for pid in tenant.route for m in providers[pid].models})
        raise model_not_found(model, models)
    known = {m for pid in tenant.route for m in providers[pid].models}
    mismatch = endpoint_refusal(endpoint, model, config.gateway.embedding_models, known)
    if mismatch is not None:
        raise mismatch
    p = plan(
        tenant, body, model, serving, components.classify, components.decide, lambda d, s: choose(d, {}, s)
    )
    denied = refusal(p.decision, serving, model)
    d = p.decision
    chosen = p.candidates[0] if p.candidates and denied is None else None
    result = {
        "tenant": tenant.id,
        "endpoint": endpoint,
        "model": model,
        "findings": [
            {
                "kind": f.kind,
                "path": format_path(p.segments[f.segment].path),
                "start": f.start,
                "end": f.end,
                "jurisdiction": f.jurisdiction,
                "detail": f.detail,
                "score": f.score,
            }
            for f in p.classification.findings
        ],
        "categories": sorted(p.classification.categories),
        "rules": [msgspec.to_builtins(r) for r in d.fired],
        "refused": msgspec.to_builtins(d.refused) if d.refused else None,
        "providers": [
            {
                "provider": v.provider,
                "eligible": v.eligible,
                "serves_model": v.provider in serving,
                "pseudonymize": sorted(v.pseudonymize),
                "excluded_by": v.excluded_by,
                "reason": v.reason,
            }
            for v in d.verdicts
        ],
        "eligible": list(d.eligible),
        "candidates": list(p.candidates),
        "chosen": chosen,
        "outcome": "route" if denied is None else denied.code,
        "message": denied.message if denied is not None else None,
    }
    if outbound and chosen is not None:
        result["outbound"] = await _outbound(components, p, providers[chosen], body)
    return result


async def _outbound(
    components: Components, p: Plan, provider: Provider, body: dict[str, Any]
) -> dict[str, Any]:
    verdict = p.decision.verdict(provider.id)
    protected = None
    if verdict is not None and verdict.pseudonymize:
        if components.protect is None:
            return {"provider": provider.id, "error": "pseudonymization is not available"}
        try:
            protected = await components.protect(body, p.segments, p.classification, verdict)
        except ProtectionImpossible as exc:
            return {"provider": provider.id, "error": str(exc)}
    sent = protected.body if protected is not None else body
    return {
        "provider": provider.id,
        "pseudonymized": list(protected.types) if protected is not None else [],
        "body": upstream_body(provider, sent),
    }


def _endpoint(config: Config, body: dict[str, Any]) -> str:
    """Which API a body is for: messages are chat, a prompt a text completion; an input is
    embeddings for an embedding model
    (or a list of strings or token arrays) and a Responses request otherwise."""
    if "prompt" in body and "messages" not in body:
        return "completions"
    if "messages" in body or "input" not in body:
        return "chat"
    inp = body["input"]
    if body.get("model") in config.gateway.embedding_models:
        return "embeddings"
    if isinstance(inp, list) and inp and all(not isinstance(x, dict) for x in inp):
        return "embeddings"
    return "responses"
