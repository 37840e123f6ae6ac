"""Decoding a request body into a JSON object, or a 400 saying why not."""

from __future__ import annotations

from typing import Any

import msgspec

from sovgate.gateway.errors import GatewayError, bad_request

# Deeper bodies are refused: no OpenAI request needs more (tool schemas stay far below), and every
# later walk over the body (protection, re-encoding) stays well inside Python's recursion limit.
MAX_JSON_DEPTH = 64

_decode = msgspec.json.Decoder().decode


def parse_body(raw: bytes) -> dict[str, Any]:
    """The body as a dict; raises a 400 GatewayError for bad JSON, bad UTF-8 or too deep nesting."""
    try:
        body = _decode(raw)
    except msgspec.DecodeError as exc:
        raise bad_request(f"Malformed JSON in request body: {exc}.", None, "invalid_json") from None
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"The request body is not valid UTF-8 (byte {exc.start}).", None, "invalid_json"
        ) from None
    except RecursionError:
        raise _too_deep() from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", None, "invalid_json")
    # Only a body with more brackets than the limit can be too deep: the count is a C-speed scan,
    # so ordinary requests never pay for the walk.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _depth(body) > MAX_JSON_DEPTH:
        raise _too_deep()
    return body


def _too_deep() -> GatewayError:
    return bad_request(
        f"The request body is nested too deeply (more than {MAX_JSON_DEPTH} levels).", None, "invalid_json"
    )


def _depth(value: Any) -> int:
    """Nesting depth of containers, iteratively (a recursive walk is what this guards against)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_JSON_DEPTH:
                return deepest
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return deepest
