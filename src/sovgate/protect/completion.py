"""Restore whole OpenAI chat-completion responses and streamed chunks (plain dicts).

`restore_response(body, session, scope=...)` for a non-streamed response;
`ChunkRestorer(session, scope=...)` for a stream: `restore_chunk(chunk)` per parsed SSE
`data:` object, `finish()` at `[DONE]` (or end of stream) for what was still held back.
Both return new dicts and leave their input untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sovgate.protect.restore import StreamRestorer, matcher
from sovgate.protect.session import PseudonymSession

Chunk = dict[str, Any]
_Sub = Callable[[str], str]
_TEXT_FIELDS = ("content", "refusal", "reasoning_content")
_META = ("id", "object", "created", "model", "system_fingerprint", "service_tier")


def restore_response(
    body: dict[str, Any], session: PseudonymSession, *, scope: Iterable[str] | None = None
) -> dict[str, Any]:
    """Copy of a chat.completion with tokens restored in every choice's message."""
    choices = body.get("choices")
    if not isinstance(choices, list):
        return body
    text = matcher(session, scope, False)
    args = matcher(session, scope, True)
    new_choices = []
    for choice in choices:
        msg = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(msg, dict):
            choice = {**choice, "message": _restore_message(msg, text.sub, args.sub)}
        new_choices.append(choice)
    return {**body, "choices": new_choices}


def _restore_message(msg: dict[str, Any], text: _Sub, args: _Sub) -> dict[str, Any]:
    msg = dict(msg)
    for f in _TEXT_FIELDS:
        value = msg.get(f)
        if isinstance(value, str):
            msg[f] = text(value)
        elif isinstance(value, list):  # content parts
            msg[f] = [
                {**p, "text": text(p["text"])}
                if isinstance(p, dict) and isinstance(p.get("text"), str)
                else p
                for p in value
            ]
    calls = msg.get("tool_calls")
    if isinstance(calls, list):
        msg["tool_calls"] = [_with_args(c, args) for c in calls]
    fc = msg.get("function_call")
    if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
        msg["function_call"] = {**fc, "arguments": args(fc["arguments"])}
    return msg


def _with_args(call: Any, args: _Sub) -> Any:
    fn = call.get("function") if isinstance(call, dict) else None
    if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
        return {**call, "function": {**fn, "arguments": args(fn["arguments"])}}
    return call


class ChunkRestorer:
    """Restore a streamed chat completion chunk by chunk, one `StreamRestorer` per field.

    Fields: each choice's `delta.content`, `delta.refusal` and `delta.reasoning_content`, each
    `delta.tool_calls[j].function.arguments` (keyed by the tool call's `index`) and the
    legacy `delta.function_call.arguments`. When a choice's `finish_reason` arrives, what
    its restorers held back is added to that same chunk, ahead of the finish.
    """

    def __init__(self, session: PseudonymSession, *, scope: Iterable[str] | None = None) -> None:
        self._session = session
        self._scope = None if scope is None else frozenset(scope)
        # (choice index, field) -> restorer; field is "content", "refusal", "fc" or a tool index
        self._fields: dict[tuple[int, str | int], StreamRestorer] = {}
        self._meta: dict[str, Any] = {}

    def _restorer(self, key: tuple[int, str | int]) -> StreamRestorer:
        r = self._fields.get(key)
        if r is None:
            in_json = not isinstance(key[1], str) or key[1] == "fc"
            r = self._fields[key] = StreamRestorer(self._session, scope=self._scope, in_json=in_json)
        return r

    def restore_chunk(self, chunk: Chunk) -> Chunk:
        choices = chunk.get("choices")
        for k in _META:
            if k in chunk:
                self._meta[k] = chunk[k]
        if not isinstance(choices, list) or not choices:
            return chunk
        out = []
        for pos, choice in enumerate(choices):
            if not isinstance(choice, dict):
                out.append(choice)
                continue
            idx = choice.get("index", pos)
            idx = idx if isinstance(idx, int) else pos
            delta = choice.get("delta")
            new_delta = self._delta(idx, delta) if isinstance(delta, dict) else delta
            if choice.get("finish_reason") is not None:
                new_delta = self._flush_into(idx, new_delta if isinstance(new_delta, dict) else {})
            out.append({**choice, "delta": new_delta} if new_delta is not delta else choice)
        return {**chunk, "choices": out}

    def _delta(self, idx: int, delta: dict[str, Any]) -> dict[str, Any]:
        new = dict(delta)
        for f in _TEXT_FIELDS:
            if isinstance(delta.get(f), str):
                new[f] = self._restorer((idx, f)).feed(delta[f])
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            new_calls = []
            for pos, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    j = call.get("index", pos)
                    j = j if isinstance(j, int) else pos
                    fed = self._restorer((idx, j)).feed(fn["arguments"])
                    call = {**call, "function": {**fn, "arguments": fed}}
                new_calls.append(call)
            new["tool_calls"] = new_calls
        fc = delta.get("function_call")
        if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
            new["function_call"] = {**fc, "arguments": self._restorer((idx, "fc")).feed(fc["arguments"])}
        return new

    def _flush_into(self, idx: int, delta: dict[str, Any]) -> dict[str, Any]:
        """Add what the choice's restorers held back to `delta`, and retire them."""
        delta = dict(delta)
        for key in [k for k in self._fields if k[0] == idx]:
            rest = self._fields.pop(key).flush()
            if not rest:
                continue
            field = key[1]
            if field in _TEXT_FIELDS:
                delta[field] = (delta.get(field) or "") + rest
            elif field == "fc":
                fc = delta.get("function_call") or {}
                delta["function_call"] = {**fc, "arguments": (fc.get("arguments") or "") + rest}
            else:
                calls = list(delta.get("tool_calls") or [])
                for n, call in enumerate(calls):
                    if isinstance(call, dict) and call.get("index", n) == field:
                        fn = call.get("function") or {}
                        calls[n] = {
                            **call,
                            "function": {**fn, "arguments": (fn.get("arguments") or "") + rest},
                        }
                        break
                else:
                    calls.append({"index": field, "function": {"arguments": rest}})
                delta["tool_calls"] = calls
        return delta

    def finish(self) -> list[Chunk]:
        """Chunks carrying whatever is still held back (at `[DONE]` or end of stream)."""
        idxs = sorted({k[0] for k in self._fields})
        choices = []
        for idx in idxs:
            delta = self._flush_into(idx, {})
            if delta:
                choices.append({"index": idx, "delta": delta, "finish_reason": None})
        if not choices:
            return []
        meta = {k: self._meta[k] for k in _META if k in self._meta}
        meta.setdefault("object", "chat.completion.chunk")
        return [{**meta, "choices": choices}]
