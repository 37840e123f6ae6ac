"""OpenAI's Responses API (`POST /v1/responses`) over the chat pipeline.

A Responses request is translated into the chat completion it means (instructions and input
items become messages, function tools become chat tools) and goes through the same pipeline as
any chat request: classified, decided, protected, routed, audited (endpoint `responses`). The
chat answer, restored, is translated back into a Response object, or, streamed, into the
Responses event sequence (`response.created` … `response.completed`). Most sovereign and
on-prem providers (Mistral, vLLM, llama.cpp, the Chinese and Gulf APIs) speak only chat
completions, so the bridge is what lets a Responses client use them at all.

sovgate keeps no response state: what needs stored responses (`previous_response_id`,
`conversation`, `background`, hosted tools, stored prompts) is refused with a 400 naming the
parameter, never silently dropped. Plain functions over dicts; the server calls them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from sovgate.gateway.errors import GatewayError, bad_request
from sovgate.server.validate import type_name
from sovgate.upstream import event_data

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode

_ROLES = frozenset({"user", "system", "developer", "assistant"})
# forwarded to the provider under the same name (chat completions has them too)
_SAME = (
    "temperature",
    "top_p",
    "user",
    "parallel_tool_calls",
    "service_tier",
    "safety_identifier",
    "prompt_cache_key",
)
# translated into their chat counterparts
_TRANSLATED = ("model", "input", "instructions", "stream", "max_output_tokens", "tools", "tool_choice")
_TRANSLATED_TOO = ("text", "reasoning")
# accepted and not sent: they ask the provider nothing (`include` asks for extra output data,
# such as encrypted reasoning, that no chat completion carries: the Response has none of it)
_NOT_SENT = ("metadata", "store", "include", "truncation", "stream_options")
# refused when set: what they ask for needs state or services that sovgate's providers lack
_STATEFUL = {
    "previous_response_id": "sovgate keeps no responses; send the whole conversation as input items",
    "conversation": "sovgate keeps no conversations; send the whole conversation as input items",
    "background": "sovgate answers every request while it waits; background responses are not kept",
    "prompt": "stored prompt templates live at OpenAI, not at the providers sovgate routes to",
    "max_tool_calls": "it limits hosted tool calls, which chat completion providers do not run",
    "top_logprobs": "logprobs are not translated between the two APIs",
}
_KNOWN = frozenset((*_SAME, *_TRANSLATED, *_TRANSLATED_TOO, *_NOT_SENT, *_STATEFUL))


@dataclass(slots=True)
class ResponsesCall:
    """What the Response object repeats of its request, and the ids it is known by."""

    id: str  # resp_<the audit record's id>: the decision header and the log name the same request
    model: str
    created_at: int
    settings: dict[str, Any] = field(default_factory=dict)


def _unsupported(param: str, why: str) -> GatewayError:
    return bad_request(f"Unsupported parameter: '{param}': {why}.", param, "unsupported_parameter")


def _expect(value: Any, kind: type, param: str, name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise bad_request(f"Invalid type for '{param}': expected {name}, got {type_name(value)}.", param)


def to_chat(body: dict[str, Any], request_id: str) -> tuple[dict[str, Any], ResponsesCall]:
    """The chat completion request that `body` (a Responses request) means; GatewayError 400 when
    it uses what cannot be translated."""
    for key in body:
        if key not in _KNOWN:
            raise bad_request(f"Unrecognized request argument supplied: {key}.", key, "unknown_parameter")
    for key, why in _STATEFUL.items():
        value = body.get(key)
        if value:  # null, false, 0 and empty values ask for nothing
            raise _unsupported(key, why)
    model = body.get("model")
    if model is None:
        raise bad_request("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    _expect(model, str, "model", "a string")
    if "input" not in body:
        raise bad_request("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if instructions is not None:
        _expect(instructions, str, "instructions", "a string")
        messages.append({"role": "system", "content": instructions})
    messages += _messages(body["input"])
    if not messages:
        raise bad_request("'input' must contain at least one item.", "input")
    chat: dict[str, Any] = {"model": model, "messages": messages}
    stream = body.get("stream")
    if stream is not None:
        _expect(stream, bool, "stream", "a boolean")
        chat["stream"] = stream
    for key in _SAME:
        if body.get(key) is not None:
            chat[key] = body[key]
    limit = body.get("max_output_tokens")
    if limit is not None:
        _expect(limit, int, "max_output_tokens", "an integer")
        chat["max_tokens"] = limit
    tools = body.get("tools")
    if tools is not None:
        _expect(tools, list, "tools", "an array")
        if tools:
            chat["tools"] = [_tool(t, f"tools[{i}]") for i, t in enumerate(tools)]
    choice = body.get("tool_choice")
    if choice is not None:
        chat["tool_choice"] = _tool_choice(choice)
    text = body.get("text")
    if text is not None:
        chat.update(_text(text))
    reasoning = body.get("reasoning")
    if reasoning is not None:
        _expect(reasoning, dict, "reasoning", "an object")
        if reasoning.get("effort") is not None:
            chat["reasoning_effort"] = reasoning["effort"]
    include = body.get("include")
    if include is not None and not (isinstance(include, list) and all(isinstance(x, str) for x in include)):
        raise bad_request("Invalid type for 'include': expected an array of strings.", "include")
    metadata = body.get("metadata")
    if metadata is not None:
        _expect(metadata, dict, "metadata", "an object")
    settings = {
        "instructions": instructions,
        "max_output_tokens": limit,
        "metadata": metadata or {},
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "reasoning": {"effort": (reasoning or {}).get("effort"), "summary": None},
        "temperature": body.get("temperature"),
        "text": text if text is not None else {"format": {"type": "text"}},
        "tool_choice": choice if choice is not None else "auto",
        "tools": tools or [],
        "top_p": body.get("top_p"),
        "user": body.get("user"),
    }
    return chat, ResponsesCall(f"resp_{request_id}", model, int(time.time()), settings)


def _messages(inp: Any) -> list[dict[str, Any]]:
    if isinstance(inp, str):
        return [{"role": "user", "content": inp}]
    if not isinstance(inp, list):
        raise bad_request(
            f"Invalid type for 'input': expected a string or an array of input items, got {type_name(inp)}.",
            "input",
        )
    out: list[dict[str, Any]] = []
    for i, item in enumerate(inp):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise bad_request(
                f"Invalid type for '{where}': expected an object, got {type_name(item)}.", where
            )
        kind = item.get("type", "message")
        if kind == "message":
            out.append(_message(item, where))
        elif kind == "function_call":
            call = {
                "id": _str(item, "call_id", where),
                "type": "function",
                "function": {"name": _str(item, "name", where), "arguments": _str(item, "arguments", where)},
            }
            last = out[-1] if out else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)  # parallel calls: one assistant turn
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "reasoning":
            # a reasoning model's own earlier reasoning, sent back by stateless clients: encrypted for
            # OpenAI's models, meaningless to any other, so it is not sent (nor is its summary)
            continue
        elif kind == "function_call_output":
            output = item.get("output")
            if isinstance(output, list):
                output = _text_of(output, f"{where}.output")
            elif not isinstance(output, str):
                raise bad_request(f"Invalid type for '{where}.output': expected a string.", f"{where}.output")
            out.append({"role": "tool", "tool_call_id": _str(item, "call_id", where), "content": output})
        else:
            raise _unsupported(
                f"{where}.type",
                f"input items of type {kind!r} are not translated (message, function_call and "
                "function_call_output are; reasoning items are left out)",
            )
    return out


def _str(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        if value is None:
            raise bad_request(f"Missing required parameter: '{where}.{key}'.", f"{where}.{key}")
        raise bad_request(f"Invalid type for '{where}.{key}': expected a string.", f"{where}.{key}")
    return value


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in _ROLES:
        raise bad_request(
            f"Invalid value for '{where}.role': {role!r} (one of {', '.join(sorted(_ROLES))}).",
            f"{where}.role",
        )
    if role == "developer":  # the chat providers sovgate routes to mostly know no developer role
        role = "system"
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise bad_request(
            f"Invalid type for '{where}.content': expected a string or an array of content parts.",
            f"{where}.content",
        )
    parts: list[dict[str, Any]] = []
    for j, part in enumerate(content):
        at = f"{where}.content[{j}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text"):
            parts.append({"type": "text", "text": _str(part, "text", at)})
        elif kind == "refusal":
            parts.append({"type": "text", "text": _str(part, "refusal", at)})
        elif kind == "input_image":
            url = part.get("image_url")
            if not isinstance(url, str):
                raise _unsupported(
                    f"{at}.image_url", "images are sent by URL or data URL (sovgate keeps no files)"
                )
            image: dict[str, Any] = {"url": url}
            if part.get("detail") is not None:
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file":
            data = part.get("file_data")
            if not isinstance(data, str):
                raise _unsupported(
                    f"{at}.file_data", "files are sent inline as file_data (sovgate keeps no files)"
                )
            file: dict[str, Any] = {"file_data": data}
            if isinstance(part.get("filename"), str):
                file["filename"] = part["filename"]
            parts.append({"type": "file", "file": file})
        elif isinstance(kind, str):
            raise _unsupported(f"{at}.type", f"content parts of type {kind!r} are not translated")
        else:
            raise bad_request(f"Invalid content part '{at}': expected an object with a 'type'.", at)
    if role == "assistant" or (all(p["type"] == "text" for p in parts) and len(parts) == 1):
        # earlier answers as one string: every chat provider takes that form for the assistant
        return {"role": role, "content": _text_of(parts, f"{where}.content")}
    return {"role": role, "content": parts}


def _text_of(parts: list[Any], where: str) -> str:
    texts = []
    for j, part in enumerate(parts):
        text = part.get("text") if isinstance(part, dict) else None
        if not isinstance(text, str):
            raise _unsupported(f"{where}[{j}]", "only text parts are translated here")
        texts.append(text)
    return "\n".join(texts)


def _tool(tool: Any, where: str) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise bad_request(f"Invalid type for '{where}': expected an object.", where)
    kind = tool.get("type")
    if kind != "function":
        raise _unsupported(
            f"{where}.type",
            f"{kind!r} is a tool OpenAI hosts; the providers sovgate routes to run none, so only "
            "function tools are forwarded",
        )
    function: dict[str, Any] = {"name": _str(tool, "name", where)}
    for key in ("description", "parameters", "strict"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise _unsupported("tool_choice", "only auto, none, required or a function tool can be chosen")


def _text(text: Any) -> dict[str, Any]:
    if not isinstance(text, dict):
        raise bad_request(f"Invalid type for 'text': expected an object, got {type_name(text)}.", "text")
    out: dict[str, Any] = {}
    if text.get("verbosity") is not None:
        out["verbosity"] = text["verbosity"]
    fmt = text.get("format")
    if fmt is None:
        return out
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return out
    if kind == "json_object":
        return out | {"response_format": {"type": "json_object"}}
    if kind == "json_schema":
        assert isinstance(fmt, dict)
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if fmt.get(k) is not None}
        return out | {"response_format": {"type": "json_schema", "json_schema": schema}}
    raise bad_request(
        "Invalid 'text.format.type': one of text, json_object, json_schema.", "text.format.type"
    )


# --- answers ---------------------------------------------------------------------------------


def _usage(usage: Any) -> dict[str, Any] | None:
    if not isinstance(usage, dict):
        return None
    inp, out = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": usage.get("total_tokens") or inp + out,
    }


def _status(finish_reason: Any) -> tuple[str, dict[str, str] | None]:
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def _response(
    call: ResponsesCall,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None = None,
    incomplete: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    return {
        "id": call.id,
        "object": "response",
        "created_at": call.created_at,
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": incomplete,
        "model": model or call.model,
        "output": output,
        "previous_response_id": None,
        "store": False,  # sovgate keeps no responses; its audit log keeps the decision
        "truncation": "disabled",
        "usage": usage,
        **call.settings,
    }


def _part(kind: str, text: str) -> dict[str, Any]:
    if kind == "refusal":
        return {"type": "refusal", "refusal": text}
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def to_response(call: ResponsesCall, completion: bytes) -> bytes:
    """The Response object for a chat completion (the pipeline's restored answer)."""
    chat = _decode(completion)
    choices = chat.get("choices") or [{}]
    choice = choices[0]
    message = choice.get("message") or {}
    output: list[dict[str, Any]] = []
    parts = [_part(k, message[k]) for k in ("content", "refusal") if isinstance(message.get(k), str)]
    rid = call.id[len("resp_") :]
    if parts:
        item = {"type": "message", "id": f"msg_{rid}_0", "status": "completed", "role": "assistant"}
        output.append(item | {"content": parts})
    for tc in message.get("tool_calls") or []:
        fn = tc.get("function") or {}
        i = len(output)
        output.append(
            {
                "type": "function_call",
                "id": f"fc_{rid}_{i}",
                "call_id": tc.get("id") or f"call_{rid}_{i}",
                "name": fn.get("name", ""),
                "arguments": fn.get("arguments", ""),
                "status": "completed",
            }
        )
    status, incomplete = _status(choice.get("finish_reason"))
    model = chat.get("model") if isinstance(chat.get("model"), str) else None
    return _encode(_response(call, status, output, _usage(chat.get("usage")), incomplete, model=model))


class _Item:
    __slots__ = ("arguments", "call_id", "done", "id", "index", "kind", "name", "part", "text")

    def __init__(self, kind: str, id: str, index: int):
        self.kind, self.id, self.index = kind, id, index
        self.part = "output_text"  # of a message: output_text or refusal
        self.text = self.arguments = self.name = self.call_id = ""
        self.done = False


class ResponseEvents:
    """Chat completion chunks in, Responses stream events out (framed SSE, numbered in order)."""

    def __init__(self, call: ResponsesCall):
        self.call = call
        self._rid = call.id[len("resp_") :]  # item ids: msg_/fc_<request id>_<output index>
        self._seq = 0
        self._items: list[_Item] = []
        self._message: _Item | None = None  # the open message item
        self._calls: dict[int, _Item] = {}  # chat tool call index -> its function_call item
        self._finish: Any = None
        self._usage: dict[str, Any] | None = None
        self._model: str | None = None

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return b"event: " + kind.encode() + b"\ndata: " + _encode(data) + b"\n\n"

    def start(self) -> bytes:
        snapshot = _response(self.call, "in_progress", [])
        return self._event("response.created", response=snapshot) + self._event(
            "response.in_progress", response=snapshot
        )

    def chunk(self, data: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        if isinstance(data.get("model"), str):
            self._model = data["model"]
        usage = _usage(data.get("usage"))
        if usage is not None:
            self._usage = usage
        for choice in data.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue  # n > 1 has no Responses form; the first choice is the answer
            delta = choice.get("delta") or {}
            for kind in ("content", "refusal"):
                text = delta.get(kind)
                if isinstance(text, str) and text:
                    out += self._text("refusal" if kind == "refusal" else "output_text", text)
            for tc in delta.get("tool_calls") or ():
                out += self._tool_call(tc)
            if choice.get("finish_reason") is not None:
                self._finish = choice["finish_reason"]
        return out

    def _text(self, part: str, text: str) -> list[bytes]:
        out: list[bytes] = []
        item = self._message
        if item is not None and item.part != part:
            out += self._close(item)
            item = None
        if item is None:
            item = self._message = self._open("message", f"msg_{self._rid}_{len(self._items)}")
            item.part = part
            added = {
                "type": "message",
                "id": item.id,
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            }
            out.append(self._event("response.output_item.added", output_index=item.index, item=added))
            out.append(self._event("response.content_part.added", **self._where(item), part=_part(part, "")))
        item.text += text
        name = "response.output_text.delta" if part == "output_text" else "response.refusal.delta"
        extra: dict[str, Any] = {"logprobs": []} if part == "output_text" else {}
        out.append(self._event(name, **self._where(item), delta=text, **extra))
        return out

    def _tool_call(self, tc: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        fn = tc.get("function") or {}
        item = self._calls.get(tc.get("index", 0))
        if item is None:
            if self._message is not None:
                out += self._close(self._message)
            item = self._open("function_call", f"fc_{self._rid}_{len(self._items)}")
            item.call_id = tc.get("id") or f"call_{self._rid}_{item.index}"
            item.name = fn.get("name") or ""
            self._calls[tc.get("index", 0)] = item
            out.append(
                self._event("response.output_item.added", output_index=item.index, item=self._call_item(item))
            )
        args = fn.get("arguments")
        if isinstance(args, str) and args:
            item.arguments += args
            out.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=item.id,
                    output_index=item.index,
                    delta=args,
                )
            )
        return out

    def _open(self, kind: str, id: str) -> _Item:
        item = _Item(kind, id, len(self._items))
        self._items.append(item)
        return item

    def _where(self, item: _Item) -> dict[str, Any]:
        return {"item_id": item.id, "output_index": item.index, "content_index": 0}

    def _call_item(self, item: _Item, status: str = "in_progress") -> dict[str, Any]:
        return {
            "type": "function_call",
            "id": item.id,
            "call_id": item.call_id,
            "name": item.name,
            "arguments": item.arguments if status == "completed" else "",
            "status": status,
        }

    def _message_item(self, item: _Item) -> dict[str, Any]:
        part = _part(item.part, item.text)
        return {
            "type": "message",
            "id": item.id,
            "status": "completed",
            "role": "assistant",
            "content": [part],
        }

    def _close(self, item: _Item) -> list[bytes]:
        if item.done:
            return []
        item.done = True
        if item.kind == "function_call":
            done = self._call_item(item, "completed")
            return [
                self._event(
                    "response.function_call_arguments.done",
                    item_id=item.id,
                    output_index=item.index,
                    name=item.name,
                    arguments=item.arguments,
                ),
                self._event("response.output_item.done", output_index=item.index, item=done),
            ]
        self._message = None
        key = "text" if item.part == "output_text" else "refusal"
        name = "response.output_text.done" if item.part == "output_text" else "response.refusal.done"
        extra: dict[str, Any] = {"logprobs": []} if item.part == "output_text" else {}
        return [
            self._event(name, **self._where(item), **{key: item.text}, **extra),
            self._event("response.content_part.done", **self._where(item), part=_part(item.part, item.text)),
            self._event("response.output_item.done", output_index=item.index, item=self._message_item(item)),
        ]

    def finish(self) -> bytes:
        """After the chat stream's [DONE] (sent once the audit record is durable)."""
        out: list[bytes] = []
        for item in self._items:
            out += self._close(item)
        output = [
            self._call_item(i, "completed") if i.kind == "function_call" else self._message_item(i)
            for i in self._items
        ]
        status, incomplete = _status(self._finish)
        final = _response(self.call, status, output, self._usage, incomplete, model=self._model)
        out.append(self._event(f"response.{status}", response=final))
        return b"".join(out)

    def fail(self, error: dict[str, Any]) -> bytes:
        """The gateway's error event (a broken upstream stream, an audit failure): no completion."""
        code, message = error.get("code") or error.get("type"), error.get("message") or "stream failed"
        failed = _response(self.call, "failed", [], self._usage, error={"code": code, "message": message})
        return self._event("error", code=code, message=message, param=error.get("param")) + self._event(
            "response.failed", response=failed
        )


async def translate_stream(events: AsyncIterator[bytes], call: ResponsesCall) -> AsyncIterator[bytes]:
    """The pipeline's chat SSE stream as a Responses event stream: one write per chat write."""
    tr = ResponseEvents(call)
    try:
        yield tr.start()
        async for raw in events:
            out: list[bytes] = []
            for event in raw.split(b"\n\n"):
                data = event_data(event) if event else None
                if data is None:
                    continue
                if data == b"[DONE]":
                    out.append(tr.finish())
                    break
                try:
                    chunk = _decode(data)
                except msgspec.DecodeError:
                    # past its first chunk a stream is not checked (upstream/_answer.py): a chunk the
                    # chat client could not read either is left out, and the stream goes on to its
                    # audited end instead of breaking off unrecorded
                    continue
                if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
                    out.append(tr.fail(chunk["error"]))
                    break
                if isinstance(chunk, dict):
                    out += tr.chunk(chunk)
            if out:
                yield b"".join(out)
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
