"""Refusals in the OpenAI error format: status, type, code, param, message."""

from __future__ import annotations

from typing import Any

import msgspec


class GatewayError(Exception):
    """A request the gateway answers with an error instead of a completion."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param
        self.retry_after: float | None = None  # seconds, sent as Retry-After (rate limits)

    def body(self) -> bytes:
        return error_body(self.message, self.type, self.code, self.param)


def error_body(message: str, type: str, code: str | None = None, param: str | None = None) -> bytes:
    err: dict[str, Any] = {"message": message, "type": type, "param": param, "code": code}
    return msgspec.json.encode({"error": err})


# the API's endpoints and their paths (the server routes by them; models is the one GET)
API_PATHS = {
    "chat": "/v1/chat/completions",
    "completions": "/v1/completions",
    "embeddings": "/v1/embeddings",
    "responses": "/v1/responses",
    "models": "/v1/models",
}


def bad_request(message: str, param: str | None = None, code: str = "invalid_request") -> GatewayError:
    return GatewayError(400, message, param=param, code=code)


def unauthorized(message: str) -> GatewayError:
    return GatewayError(401, message, type="authentication_error", code="invalid_api_key")


def model_not_found(model: str, known: list[str]) -> GatewayError:
    msg = f"The model {model!r} does not exist for this tenant (available: {', '.join(known) or 'none'})."
    return GatewayError(404, msg, param="model", code="model_not_found")


def wrong_endpoint(model: str, endpoint: str, known: list[str]) -> GatewayError:
    if endpoint == "embeddings":
        kind, path = "a chat", "/v1/embeddings"
    else:
        kind, path = "an embedding", API_PATHS.get(endpoint, "/v1/chat/completions")
    msg = (
        f"The model {model!r} is {kind} model and cannot be used on {path}"
        f" (models for it: {', '.join(known) or 'none'}; see gateway.embedding_models)."
    )
    return GatewayError(404, msg, param="model", code="model_not_found")


def endpoint_unsupported(endpoint: str, eligible: list[str] | tuple[str, ...]) -> GatewayError:
    path = API_PATHS.get(endpoint, endpoint)
    msg = (
        f"No eligible provider serves {path}: the eligible ones ({', '.join(eligible)}) speak a protocol "
        "without it (the Anthropic Messages API has chat only)."
    )
    if endpoint == "completions":
        msg += " Send the prompt as a message to /v1/chat/completions instead."
    return GatewayError(404, msg, code="endpoint_not_supported")


def policy_denied(message: str) -> GatewayError:
    return GatewayError(403, message, type="permission_error", code="policy_denied")


def protection_failed(message: str) -> GatewayError:
    return GatewayError(403, message, type="permission_error", code="protection_failed")


def no_eligible_provider(message: str) -> GatewayError:
    return GatewayError(503, message, type="server_error", code="no_eligible_provider")


def text_too_large(chars: int, limit: int) -> GatewayError:
    msg = (
        f"The request's text is {chars:,} characters; this gateway classifies at most {limit:,}"
        " per request (gateway.max_classify_chars), so it is refused unsent."
    )
    return GatewayError(413, msg, code="request_too_large")


def rate_limited(tenant: str, requests_per_minute: float, burst: int, wait_s: float) -> GatewayError:
    err = GatewayError(
        429,
        f"Rate limit reached for tenant {tenant!r} ({requests_per_minute:g} requests per minute, "
        f"bursts of {burst}); retry in {wait_s:.2f} s.",
        type="requests",
        code="rate_limit_exceeded",
    )
    err.retry_after = wait_s
    return err


def token_rate_limited(tenant: str, tokens_per_minute: int, wait_s: float) -> GatewayError:
    err = GatewayError(
        429,
        f"Token rate limit reached for tenant {tenant!r} ({tokens_per_minute:,} tokens per minute, "
        f"used by the answers so far); retry in {wait_s:.2f} s.",
        type="tokens",
        code="rate_limit_exceeded",
    )
    err.retry_after = wait_s
    return err


def upstream_rate_limited(tried: str, wait_s: float | None) -> GatewayError:
    """Every eligible provider tried answered 429: retry after the soonest wait one of them named."""
    when = f"; retry in {wait_s:.2f} s" if wait_s is not None else "; retry later"
    err = GatewayError(
        429,
        f"Every eligible provider is rate-limiting this gateway ({tried}){when}.",
        type="requests",
        code="upstream_rate_limited",
    )
    err.retry_after = wait_s
    return err


def internal(code: str, message: str, status: int = 500) -> GatewayError:
    # fail closed: classification, policy or audit could not run, so nothing is sent
    return GatewayError(status, message, type="server_error", code=code)
