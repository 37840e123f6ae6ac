from __future__ import annotations

import copy
import json

from sovgate.protect import ChunkRestorer, PseudonymSession, restore_response


def session() -> PseudonymSession:
    s = PseudonymSession()
    s.add("PERSON", 'Anna "A" Schmidt', "[PERSON_1]")
    s.add("EMAIL", "anna@example.org", "[EMAIL_1]")
    return s


def chunk(delta: dict, finish: str | None = None, index: int = 0) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


def split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def collect(chunks: list[dict]) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """What an SDK would assemble: content per choice, arguments per (choice, tool index)."""
    content: dict[int, str] = {}
    args: dict[tuple[int, int], str] = {}
    for c in chunks:
        for ch in c["choices"]:
            d = ch["delta"]
            content[ch["index"]] = content.get(ch["index"], "") + (d.get("content") or "")
            for tc in d.get("tool_calls") or []:
                key = (ch["index"], tc["index"])
                args[key] = args.get(key, "") + tc["function"].get("arguments", "")
    return content, args


def test_streamed_content_and_tool_arguments_in_tiny_chunks():
    content = "Hello [PERSON_1], mail [EMAIL_1] or [PERSON_9]."
    arguments = json.dumps({"to": "[EMAIL_1]", "name": "[PERSON_1]"})
    upstream = [chunk({"role": "assistant", "content": ""})]
    upstream += [chunk({"content": p}) for p in split(content, 2)]
    upstream += [
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "send", "arguments": ""},
                    }
                ]
            }
        )
    ]
    upstream += [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in split(arguments, 3)
    ]
    upstream.append(chunk({}, finish="tool_calls"))
    originals = copy.deepcopy(upstream)

    cr = ChunkRestorer(session())
    out = [cr.restore_chunk(c) for c in upstream] + cr.finish()
    assert upstream == originals  # pure: the input chunks are not modified
    text, args = collect(out)
    assert text[0] == 'Hello Anna "A" Schmidt, mail anna@example.org or [PERSON_9].'
    assert json.loads(args[(0, 0)]) == {"to": "anna@example.org", "name": 'Anna "A" Schmidt'}
    for c in out:  # no token fragment ever reaches the client
        for ch in c["choices"]:
            assert "[EMAIL" not in (ch["delta"].get("content") or "")
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_held_back_text_is_flushed_into_the_finish_chunk():
    cr = ChunkRestorer(session())
    first = cr.restore_chunk(chunk({"content": "Bye [PERSON_"}))
    assert first["choices"][0]["delta"]["content"] == "Bye "
    last = cr.restore_chunk(chunk({}, finish="stop"))
    assert last["choices"][0]["delta"] == {"content": "[PERSON_"}
    assert last["choices"][0]["finish_reason"] == "stop"
    assert cr.finish() == []


def test_finish_at_done_without_finish_reason_emits_a_final_chunk():
    cr = ChunkRestorer(session())
    cr.restore_chunk(chunk({"content": "x [EMAIL"}, index=1))
    tail = cr.finish()
    assert tail == [
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 1, "delta": {"content": "[EMAIL"}, "finish_reason": None}],
        }
    ]


def test_several_choices_and_tool_calls_are_kept_apart():
    cr = ChunkRestorer(session())
    c = {
        "choices": [
            {"index": 0, "delta": {"content": "[PERSON"}},
            {"index": 1, "delta": {"content": "_1]"}},
        ]
    }
    out = cr.restore_chunk(c)
    assert [ch["delta"]["content"] for ch in out["choices"]] == ["", "_1]"]
    out = cr.restore_chunk(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "content": "_1]",
                        "tool_calls": [
                            {"index": 0, "function": {"arguments": '{"a": "[EMAIL_'}},
                            {"index": 1, "function": {"arguments": '{"b": "[EMAIL_1]"}'}},
                        ],
                    },
                }
            ]
        }
    )
    d = out["choices"][0]["delta"]
    assert d["content"] == 'Anna "A" Schmidt'
    assert [t["function"]["arguments"] for t in d["tool_calls"]] == ['{"a": "', '{"b": "anna@example.org"}']
    tail = cr.finish()
    tc = tail[0]["choices"][0]["delta"]["tool_calls"]
    assert tc == [{"index": 0, "function": {"arguments": "[EMAIL_"}}]


def test_usage_chunk_and_empty_choices_pass_through():
    cr = ChunkRestorer(session())
    usage = {"id": "x", "choices": [], "usage": {"total_tokens": 3}}
    assert cr.restore_chunk(usage) is usage


def test_restore_response_non_streamed():
    body = {
        "id": "c",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "For [PERSON_1]",
                    "tool_calls": [
                        {
                            "id": "t",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"n": "[PERSON_1]"}'},
                        }
                    ],
                },
            }
        ],
    }
    body["choices"].append(
        {
            "index": 1,
            "message": {
                "role": "assistant",
                "content": [{"type": "text", "text": "[PERSON_1] / [EMAIL_1]"}],
                "reasoning_content": "the user is [PERSON_1]",
            },
        }
    )
    before = copy.deepcopy(body)
    out = restore_response(body, session(), scope=frozenset({"[PERSON_1]"}))
    msg = out["choices"][0]["message"]
    assert msg["content"] == 'For Anna "A" Schmidt'
    second = out["choices"][1]["message"]
    assert second["content"] == [{"type": "text", "text": 'Anna "A" Schmidt / [EMAIL_1]'}]  # out of scope
    assert second["reasoning_content"] == 'the user is Anna "A" Schmidt'
    assert json.loads(msg["tool_calls"][0]["function"]["arguments"]) == {"n": 'Anna "A" Schmidt'}
    assert body == before


def test_reasoning_and_legacy_function_call_are_restored_too():
    cr = ChunkRestorer(session())
    out = [
        cr.restore_chunk(chunk({"reasoning_content": "user is [PERS"})),
        cr.restore_chunk(
            chunk({"reasoning_content": "ON_1]", "function_call": {"arguments": '{"to": "[EMA'}})
        ),
        cr.restore_chunk(chunk({"function_call": {"arguments": 'IL_1]"}'}})),
        cr.restore_chunk(chunk({}, finish="function_call")),
    ]
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in out)
    args = "".join((c["choices"][0]["delta"].get("function_call") or {}).get("arguments", "") for c in out)
    assert reasoning == 'user is Anna "A" Schmidt'
    assert json.loads(args) == {"to": "anna@example.org"}
