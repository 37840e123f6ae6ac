"""Shape checks of OpenAI request bodies: just enough to name the wrong field in a 400."""

from __future__ import annotations

from typing import Any

from sovgate.gateway.errors import GatewayError, bad_request

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def type_name(value: Any) -> str:
    """A JSON value's type as the OpenAI errors name it."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _model(body: dict[str, Any]) -> None:
    model = body.get("model")
    if model is None:
        raise bad_request("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    if not isinstance(model, str) or not model:
        raise bad_request(f"Invalid type for 'model': expected a string, got {type_name(model)}.", "model")


def check_chat(body: dict[str, Any]) -> None:
    _model(body)
    messages = body.get("messages")
    if messages is None:
        raise bad_request("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    if not isinstance(messages, list):
        raise bad_request(
            f"Invalid type for 'messages': expected an array, got {type_name(messages)}.", "messages"
        )
    if not messages:
        raise bad_request("'messages' must contain at least one message.", "messages")
    for i, msg in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(msg, dict):
            raise bad_request(f"Invalid type for '{where}': expected an object, got {type_name(msg)}.", where)
        role = msg.get("role")
        if role is None:
            raise bad_request(f"Missing required parameter: '{where}.role'.", f"{where}.role")
        if not isinstance(role, str) or role not in _ROLES:
            raise bad_request(
                f"Invalid value for '{where}.role': {role!r} (one of {', '.join(sorted(_ROLES))}).",
                f"{where}.role",
            )
        content = msg.get("content")
        if content is not None and not isinstance(content, str | list):
            raise bad_request(
                f"Invalid type for '{where}.content': expected a string or an array,"
                f" got {type_name(content)}.",
                f"{where}.content",
            )
        if isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise bad_request(
                        f"Invalid content part '{where}.content[{j}]': expected an object with a 'type'.",
                        f"{where}.content[{j}]",
                    )
        calls = msg.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise bad_request(
                f"Invalid type for '{where}.tool_calls': expected an array.", f"{where}.tool_calls"
            )
    for key, typ, name in (("stream", bool, "a boolean"), ("tools", list, "an array")):
        value = body.get(key)
        if value is not None and not isinstance(value, typ):
            raise bad_request(f"Invalid type for '{key}': expected {name}, got {type_name(value)}.", key)
    _stream_options(body)


def check_embeddings(body: dict[str, Any]) -> None:
    _model(body)
    _text_or_tokens(body, "input")


def check_completions(body: dict[str, Any]) -> None:
    """The legacy text completion: a prompt, and for fill-in-the-middle a suffix."""
    _model(body)
    _text_or_tokens(body, "prompt")
    for key, typ, name in (("stream", bool, "a boolean"), ("suffix", str, "a string")):
        value = body.get(key)
        if value is not None and not isinstance(value, typ):
            raise bad_request(f"Invalid type for '{key}': expected {name}, got {type_name(value)}.", key)
    _stream_options(body)


def _stream_options(body: dict[str, Any]) -> None:
    """`stream_options`, which the gateway reads (and may add to) before a provider sees it."""
    options = body.get("stream_options")
    if options is None:
        return
    if not isinstance(options, dict):
        raise bad_request(
            f"Invalid type for 'stream_options': expected an object, got {type_name(options)}.",
            "stream_options",
        )
    usage = options.get("include_usage")
    if usage is not None and not isinstance(usage, bool):
        raise bad_request(
            f"Invalid type for 'stream_options.include_usage': expected a boolean, got {type_name(usage)}.",
            "stream_options.include_usage",
        )


def _text_or_tokens(body: dict[str, Any], key: str) -> None:
    """`body[key]` is a string, strings, token ids or arrays of them (embeddings, completions)."""
    value = body.get(key)
    if value is None:
        raise bad_request(f"Missing required parameter: '{key}'.", key, "missing_required_parameter")
    if not _strings_or_tokens(value):
        raise bad_request(
            f"Invalid '{key}': expected a string, an array of strings, an array of token ids or an array "
            "of token arrays.",
            key,
        )


def _strings_or_tokens(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list)
        and bool(value)
        and (
            all(isinstance(x, str) for x in value)
            or all(isinstance(x, int) and not isinstance(x, bool) for x in value)
            or all(isinstance(x, list) and all(isinstance(t, int) for t in x) for x in value)
        )
    )


# responses: the chat completion a Responses request was translated into (server/responses.py)
CHECKS: dict[str, Any] = {
    "chat": check_chat,
    "embeddings": check_embeddings,
    "completions": check_completions,
    "responses": check_chat,
}

__all__ = ["CHECKS", "GatewayError"]
