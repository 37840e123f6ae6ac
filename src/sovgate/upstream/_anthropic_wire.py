"""Chat completions <-> Anthropic Messages API (https://docs.anthropic.com/en/api/messages).

Pure translation functions; the adapter in `anthropic.py` does the HTTP.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode

DEFAULT_MAX_TOKENS = 4096
_STOP = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _blocks(content: Any) -> list[dict[str, Any]]:
    """OpenAI content (string or parts) -> Anthropic content blocks."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    out: list[dict[str, Any]] = []
    for part in content or ():
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            out.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
                media, _, data = url[5:].partition(";base64,")
                out.append({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}})
            elif isinstance(url, str):
                out.append({"type": "image", "source": {"type": "url", "url": url}})
    return out


def to_messages_request(body: dict[str, Any], model: str) -> dict[str, Any]:
    system: list[str] = []
    messages: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        # Anthropic wants alternating roles: merge consecutive same-role turns
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})

    for msg in body.get("messages") or ():
        role = msg.get("role")
        if role in ("system", "developer"):
            system.append(_text(msg.get("content")))
        elif role == "user":
            add("user", _blocks(msg.get("content")))
        elif role == "assistant":
            blocks = _blocks(msg.get("content"))
            for call in msg.get("tool_calls") or ():
                fn = call.get("function") or {}
                try:
                    args = _decode(fn.get("arguments") or "{}")
                except msgspec.DecodeError:
                    args = {"_raw": fn.get("arguments")}
                blocks.append(
                    {"type": "tool_use", "id": call.get("id", ""), "name": fn.get("name", ""), "input": args}
                )
            add("assistant", blocks)
        elif role in ("tool", "function"):
            result = {
                "type": "tool_result",
                "tool_use_id": msg.get("tool_call_id", ""),
                "content": _text(msg.get("content")),
            }
            add("user", [result])
    out: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS,
    }
    if system:
        out["system"] = "\n\n".join(system)
    for key in ("temperature", "top_p", "stream"):
        if body.get(key) is not None:
            out[key] = body[key]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = [
        t.get("function")
        for t in body.get("tools") or ()
        if isinstance(t, dict) and t.get("type") == "function"
    ]
    if tools:
        out["tools"] = [
            {
                "name": f.get("name", ""),
                "description": f.get("description", ""),
                "input_schema": f.get("parameters") or {"type": "object"},
            }
            for f in tools
            if isinstance(f, dict)
        ]
        choice = body.get("tool_choice")
        if choice == "required":
            out["tool_choice"] = {"type": "any"}
        elif choice == "none":
            out["tool_choice"] = {"type": "none"}
        elif isinstance(choice, dict) and choice.get("type") == "function":
            out["tool_choice"] = {"type": "tool", "name": (choice.get("function") or {}).get("name", "")}
    return out


def _usage(u: dict[str, Any]) -> dict[str, int]:
    prompt, completion = int(u.get("input_tokens") or 0), int(u.get("output_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def to_completion(resp: dict[str, Any]) -> dict[str, Any]:
    text = "".join(b.get("text", "") for b in resp.get("content") or () if b.get("type") == "text")
    calls = [
        {
            "id": b.get("id", ""),
            "type": "function",
            "function": {"name": b.get("name", ""), "arguments": _encode(b.get("input", {})).decode()},
        }
        for b in resp.get("content") or ()
        if b.get("type") == "tool_use"
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": resp.get("id", ""),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": resp.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": _STOP.get(resp.get("stop_reason") or "", "stop"),
            }
        ],
        "usage": _usage(resp.get("usage") or {}),
    }


class StreamTranslator:
    """Anthropic SSE events -> chat.completion.chunk data payloads."""

    def __init__(self, include_usage: bool):
        self.include_usage = include_usage
        self.base: dict[str, Any] = {
            "id": "",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": "",
        }
        self.tool_index: dict[int, int] = {}  # content block index -> tool call index
        self.usage: dict[str, Any] = {}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _encode({**self.base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    def feed(self, data: bytes) -> list[bytes]:
        ev = _decode(data)
        kind = ev.get("type")
        if kind == "message_start":
            msg = ev.get("message") or {}
            self.base["id"], self.base["model"] = msg.get("id", ""), msg.get("model", "")
            self.usage.update(msg.get("usage") or {})
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = ev.get("content_block") or {}
            if block.get("type") == "tool_use":
                k = self.tool_index[ev.get("index", 0)] = len(self.tool_index)
                call = {"index": k, "id": block.get("id", ""), "type": "function"}
                call["function"] = {"name": block.get("name", ""), "arguments": ""}
                return [self._chunk({"tool_calls": [call]})]
            if block.get("type") == "text" and block.get("text"):
                return [self._chunk({"content": block["text"]})]
            return []
        if kind == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [self._chunk({"content": delta.get("text", "")})]
            if delta.get("type") == "input_json_delta":
                k = self.tool_index.get(ev.get("index", 0), 0)
                return [
                    self._chunk(
                        {
                            "tool_calls": [
                                {"index": k, "function": {"arguments": delta.get("partial_json", "")}}
                            ]
                        }
                    )
                ]
            return []
        if kind == "message_delta":
            self.usage.update(ev.get("usage") or {})
            stop = (ev.get("delta") or {}).get("stop_reason")
            out = [self._chunk({}, _STOP.get(stop or "", "stop"))]
            if self.include_usage:
                out.append(_encode({**self.base, "choices": [], "usage": _usage(self.usage)}))
            return out
        if kind == "error":
            err = ev.get("error") or {}
            return [
                _encode(
                    {
                        "error": {
                            "message": err.get("message", ""),
                            "type": err.get("type", "api_error"),
                            "param": None,
                            "code": None,
                        }
                    }
                )
            ]
        return []  # ping, content_block_stop, message_stop
