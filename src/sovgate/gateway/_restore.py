"""Putting original values back into answers (non-streaming and SSE chunks).

Answers are only decoded and re-encoded when a placeholder was actually
restored; otherwise the upstream's bytes are forwarded untouched.
"""

from __future__ import annotations

from typing import Any

import msgspec

from sovgate.gateway._protection import Protected, TextRestorer

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
_DELTA_FIELDS = ("content", "refusal", "reasoning_content")


def restore_completion(payload: bytes, protected: Protected) -> bytes:
    """A chat.completion with every text field restored: content, content parts, refusal, tool calls;
    or a (legacy) text_completion's texts."""
    try:
        doc = _decode(payload)
    except msgspec.DecodeError:
        return payload
    changed = False
    for choice in doc.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        msg = choice.get("message")
        if isinstance(msg, dict):
            changed |= _restore_message(msg, protected)
        text = choice.get("text")
        if isinstance(text, str):
            new = protected.restore(text)
            if new != text:
                choice["text"], changed = new, True
    return _encode(doc) if changed else payload


def _restore_message(msg: dict[str, Any], protected: Protected) -> bool:
    restore = protected.restore
    changed = False
    for key in ("content", "refusal", "reasoning_content"):
        value = msg.get(key)
        if isinstance(value, str):
            new = restore(value)
            if new != value:
                msg[key], changed = new, True
        elif isinstance(value, list):
            for part in value:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    new = restore(part["text"])
                    if new != part["text"]:
                        part["text"], changed = new, True
    calls = list(msg.get("tool_calls") or ())
    if isinstance(msg.get("function_call"), dict):
        calls.append({"function": msg["function_call"]})
    for call in calls:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
            new = restore(fn["arguments"], in_json=True)
            if new != fn["arguments"]:
                fn["arguments"], changed = new, True
    return changed


class StreamRestoration:
    """Restores SSE chat.completion.chunk events of one stream (or a legacy text completion's,
    whose choices carry `text` instead of a `delta`).

    One text restorer per (choice, field), so a placeholder split across chunks is
    held back until complete; what is still held when a choice finishes is
    emitted in its finishing chunk.
    """

    def __init__(self, protected: Protected):
        self._protected = protected
        self._restorers: dict[tuple[int, str, int], TextRestorer] = {}
        self._base: dict[str, Any] = {"object": "chat.completion.chunk"}

    def _feed(self, key: tuple[int, str, int], text: str) -> str:
        restorer = self._restorers.get(key)
        if restorer is None:
            # tool-call arguments are JSON: restored values must be escaped
            restorer = self._restorers[key] = self._protected.stream_restorer(in_json=key[1] == "tool")
        return restorer.feed(text)

    def event(self, data: bytes) -> bytes | None:
        """The chunk's data restored, or None when it is unchanged (forward the original bytes)."""
        try:
            doc = _decode(data)
        except msgspec.DecodeError:
            return None
        if not isinstance(doc, dict):
            return None
        for key in ("id", "created", "model"):
            if key in doc:
                self._base[key] = doc[key]
        changed = False
        for choice in doc.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            idx = choice.get("index", 0)
            if "text" in choice:  # a text completion: the choice is its own delta
                changed |= self._delta(idx, choice, ("text",))
                if choice.get("finish_reason") is not None:
                    changed |= self._finish(idx, choice)
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                changed |= self._delta(idx, delta)
            if choice.get("finish_reason") is not None:
                if not isinstance(delta, dict):
                    delta = choice["delta"] = {}
                changed |= self._finish(idx, delta)
        return _encode(doc) if changed else None

    def _delta(self, idx: int, delta: dict[str, Any], fields: tuple[str, ...] = _DELTA_FIELDS) -> bool:
        changed = False
        for field in fields:
            text = delta.get(field)
            if isinstance(text, str) and text:
                new = self._feed((idx, field, 0), text)
                if new != text:
                    delta[field], changed = new, True
        for call in delta.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str) and fn["arguments"]:
                new = self._feed((idx, "tool", call.get("index", 0)), fn["arguments"])
                if new != fn["arguments"]:
                    fn["arguments"], changed = new, True
        return changed

    def _finish(self, idx: int, delta: dict[str, Any]) -> bool:
        changed = False
        for key in [k for k in self._restorers if k[0] == idx]:
            rest = self._restorers.pop(key).flush()
            if not rest:
                continue
            changed = True
            _, field, call_index = key
            if field == "tool":
                calls = delta.setdefault("tool_calls", [])
                call = next((c for c in calls if c.get("index", 0) == call_index), None)
                if call is None:
                    call = {"index": call_index, "function": {"arguments": ""}}
                    calls.append(call)
                fn = call.setdefault("function", {})
                fn["arguments"] = (fn.get("arguments") or "") + rest
            else:
                delta[field] = (delta.get(field) or "") + rest
        return changed

    def leftover(self) -> list[bytes]:
        """Chunks for text still held back when the upstream ended without finishing a choice."""
        out = []
        for (idx, field, call_index), restorer in self._restorers.items():
            rest = restorer.flush()
            if not rest:
                continue
            if field == "tool":
                delta: dict[str, Any] = {
                    "tool_calls": [{"index": call_index, "function": {"arguments": rest}}]
                }
            else:
                delta = {field: rest}
            if field == "text":  # a text completion's chunk
                choice = {"index": idx, "text": rest, "logprobs": None, "finish_reason": None}
                chunk = {**self._base, "object": "text_completion", "choices": [choice]}
            else:
                chunk = {**self._base, "choices": [{"index": idx, "delta": delta, "finish_reason": None}]}
            out.append(_encode(chunk))
        self._restorers.clear()
        return out
