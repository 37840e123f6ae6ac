"""The exact HTTP request an OpenAI-compatible provider is sent."""

from __future__ import annotations

from typing import Any

import msgspec

from sovgate.types import Provider

PATHS = {"chat": "/chat/completions", "embeddings": "/embeddings", "completions": "/completions"}
ALL_ENDPOINTS: frozenset[Any] = frozenset(PATHS)


class Outbound(msgspec.Struct):
    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


def endpoint_url(base_url: str, path: str) -> str:
    """Join base URL and endpoint path, keeping a query string (Azure's api-version) at the end."""
    base, sep, query = base_url.partition("?")
    return base.rstrip("/") + path + (sep + query if sep else "")


def auth_headers(auth: str, key: str | None) -> dict[str, str]:
    if not key or auth == "none":
        return {}
    if auth == "bearer":
        return {"authorization": f"Bearer {key}"}
    # api-key (Azure), x-api-key, x-goog-api-key: the header is named after the style
    return {auth: key}


def upstream_body(provider: Provider, body: dict[str, Any]) -> dict[str, Any]:
    """The body with the virtual model name mapped to the provider's own."""
    model = body.get("model")
    mapped = provider.models.get(model, model) if isinstance(model, str) else model
    if mapped == model:
        return body
    return {**body, "model": mapped}
