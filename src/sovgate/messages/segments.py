"""Walk an OpenAI chat-completions, (legacy) completions or embeddings body and list every piece of text.

Every message is inspected: system, user, assistant, tool; string content and
content-part arrays; tool calls' arguments; legacy function_call; names. So is
every other field that reaches the provider as text: `user` (and `safety_identifier`,
`prompt_cache_key`), `metadata`, tool
and function definitions (descriptions, enum values), `response_format` schemas
and `prediction`; a text completion's `prompt` and `suffix`. Image, audio and
file parts are listed too (kind != "text") so that policy and protect can refuse
what they cannot inspect or rewrite.
"""

from __future__ import annotations

from typing import Any

from sovgate.types import Segment

Body = dict[str, Any]


def extract_segments(body: Body) -> list[Segment]:
    """Return the text segments of a chat-completions, completions or embeddings body, in order."""
    out: list[Segment] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, msg in enumerate(messages):
            if isinstance(msg, dict):
                _message(out, i, msg)
    inp = body.get("input")
    if isinstance(inp, str):
        out.append(Segment(("input",), inp))
    elif isinstance(inp, list):
        for i, item in enumerate(inp):
            if isinstance(item, str):
                out.append(Segment(("input", i), item))
            # token-id arrays carry no text we can read: protect/policy decide
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        out.append(Segment(("prompt",), prompt))
    elif isinstance(prompt, list):
        for i, item in enumerate(prompt):
            if isinstance(item, str):
                out.append(Segment(("prompt", i), item))
    suffix = body.get("suffix")
    if isinstance(suffix, str) and suffix:  # fill-in-the-middle: the code after the cursor
        out.append(Segment(("suffix",), suffix))
    _request_fields(out, body)
    return out


def _request_fields(out: list[Segment], body: Body) -> None:
    """Text outside the messages that is still sent upstream (an e-mail as `user` is common; OpenAI's
    newer end-user fields, `safety_identifier` and `prompt_cache_key`, are meant to be hashed, but
    nothing makes a client do so)."""
    for key in ("user", "safety_identifier", "prompt_cache_key"):
        value = body.get(key)
        if isinstance(value, str) and value:
            out.append(Segment((key,), value))
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        for key, value in metadata.items():
            if isinstance(value, str) and value:
                out.append(Segment(("metadata", key), value))
    tools = body.get("tools")
    if isinstance(tools, list):
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict):
                _schema_texts(out, ("tools", i, "function"), fn)
    functions = body.get("functions")
    if isinstance(functions, list):
        for i, fn in enumerate(functions):
            if isinstance(fn, dict):
                _schema_texts(out, ("functions", i), fn)
    rf = body.get("response_format")
    if isinstance(rf, dict) and isinstance(rf.get("json_schema"), dict):
        _schema_texts(out, ("response_format", "json_schema"), rf["json_schema"])
    prediction = body.get("prediction")
    if isinstance(prediction, dict):
        content = prediction.get("content")
        if isinstance(content, str):
            out.append(Segment(("prediction", "content"), content))
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    out.append(Segment(("prediction", "content", j, "text"), part["text"]))


_SCHEMA_TEXT_KEYS = frozenset({"description", "title", "default", "const"})
_SCHEMA_LIST_KEYS = frozenset({"enum", "examples"})


def _schema_texts(out: list[Segment], path: tuple[str | int, ...], node: Any, depth: int = 0) -> None:
    """Descriptions, titles, defaults, examples and enum values of a (JSON-schema-like) definition.

    Keys, types, property names and `required` lists are identifiers chosen by the developer, not data.
    """
    if depth > 32 or not isinstance(node, dict):  # the server caps nesting before this runs anyway
        return
    for key, value in node.items():
        p = (*path, key)
        if isinstance(value, str):
            if key in _SCHEMA_TEXT_KEYS:
                out.append(Segment(p, value))
        elif isinstance(value, list):
            for k, item in enumerate(value):
                if isinstance(item, str) and key in _SCHEMA_LIST_KEYS:
                    out.append(Segment((*p, k), item))
                elif isinstance(item, dict):
                    _schema_texts(out, (*p, k), item, depth + 1)
        elif isinstance(value, dict):
            if key == "properties":
                for name, sub in value.items():
                    _schema_texts(out, (*p, name), sub, depth + 1)
            else:
                _schema_texts(out, p, value, depth + 1)


def _message(out: list[Segment], i: int, msg: dict[str, Any]) -> None:
    role = msg.get("role") if isinstance(msg.get("role"), str) else None
    base: tuple[str | int, ...] = ("messages", i)
    content = msg.get("content")
    if isinstance(content, str):
        out.append(Segment((*base, "content"), content, "text", role))
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if not isinstance(part, dict):
                continue
            ptype = part.get("type")
            p = (*base, "content", j)
            if ptype in ("text", "input_text", "refusal") or (ptype is None and "text" in part):
                key = "refusal" if ptype == "refusal" else "text"
                if isinstance(part.get(key), str):
                    out.append(Segment((*p, key), part[key], "text", role))
            elif ptype == "image_url":
                url = part.get("image_url")
                url = url.get("url") if isinstance(url, dict) else url
                if isinstance(url, str):
                    out.append(Segment((*p, "image_url", "url"), url, "image_url", role))
            elif ptype == "input_audio":
                out.append(Segment(p, "", "audio", role))
            elif ptype == "file":
                # the file's bytes cannot be inspected or rewritten; its name can be read
                f = part.get("file")
                name = f.get("filename") if isinstance(f, dict) else None
                if isinstance(name, str):
                    out.append(Segment((*p, "file", "filename"), name, "file", role))
                else:
                    out.append(Segment(p, "", "file", role))
    name = msg.get("name")
    if isinstance(name, str):
        out.append(Segment((*base, "name"), name, "name", role))
    tool_calls = msg.get("tool_calls")
    if isinstance(tool_calls, list):
        for k, call in enumerate(tool_calls):
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                path = (*base, "tool_calls", k, "function", "arguments")
                out.append(Segment(path, fn["arguments"], "tool_arguments", role))
    fc = msg.get("function_call")
    if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
        out.append(Segment((*base, "function_call", "arguments"), fc["arguments"], "tool_arguments", role))


def replace_segments(body: Body, replacements: dict[tuple[str | int, ...], str]) -> Body:
    """Return a copy of `body` with the text at each path replaced.

    Only the containers along the replaced paths are copied; the rest is shared
    with the original body, which is left untouched.
    """
    if not replacements:
        return body
    root: Body = dict(body)
    copied: set[tuple[str | int, ...]] = {()}
    for path, text in replacements.items():
        node: Any = root
        for depth, key in enumerate(path[:-1]):
            prefix = path[: depth + 1]
            child = node[key]
            if prefix not in copied:
                child = list(child) if isinstance(child, list) else dict(child)
                node[key] = child
                copied.add(prefix)
            node = child
        node[path[-1]] = text
    return root
