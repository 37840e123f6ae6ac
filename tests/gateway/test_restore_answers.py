"""Restoring placeholders in answers: whole completions and SSE chunks cut anywhere."""

from __future__ import annotations

import json

import msgspec

from fakes.doubles import Protected
from sovgate.gateway._restore import StreamRestoration, restore_completion

MAPPING = {"[EMAIL_1]": "eva@example.fr", "[PERSON_1]": "Eva Martin"}
P = Protected({}, MAPPING, ("EMAIL", "PERSON"))


def test_completion_fields_are_restored() -> None:
    doc = {
        "choices": [
            {
                "message": {
                    "content": "Hi [PERSON_1]",
                    "tool_calls": [{"function": {"name": "mail", "arguments": '{"to": "[EMAIL_1]"}'}}],
                }
            },
            {"message": {"content": [{"type": "text", "text": "[EMAIL_1]"}], "refusal": "no [PERSON_1]"}},
        ]
    }
    out = json.loads(restore_completion(json.dumps(doc).encode(), P))
    assert out["choices"][0]["message"]["content"] == "Hi Eva Martin"
    assert json.loads(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {
        "to": "eva@example.fr"
    }
    assert out["choices"][1]["message"]["content"][0]["text"] == "eva@example.fr"
    assert out["choices"][1]["message"]["refusal"] == "no Eva Martin"


def test_unchanged_completion_is_forwarded_byte_for_byte() -> None:
    payload = b'{"choices": [{"message": {"content": "nothing here"}}],   "x": 1}'
    assert restore_completion(payload, P) is payload


def _chunk(delta: dict, finish: str | None = None, index: int = 0) -> bytes:
    return msgspec.json.encode(
        {"id": "c", "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
    )


def _run(pieces: list[str], field: str = "content") -> tuple[str, int]:
    r = StreamRestoration(P)
    out, reencoded = "", 0
    for piece in pieces:
        delta = (
            {field: piece}
            if field == "content"
            else {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
        )
        data = _chunk(delta)
        new = r.event(data)
        if new is not None:
            reencoded += 1
        doc = json.loads(new if new is not None else data)
        d = doc["choices"][0]["delta"]
        out += d.get("content") or "".join(
            c["function"].get("arguments", "") for c in d.get("tool_calls", [])
        )
    final = json.loads(r.event(_chunk({}, "stop")) or _chunk({}, "stop"))
    d = final["choices"][0]["delta"]
    out += d.get("content") or "".join(c["function"].get("arguments", "") for c in d.get("tool_calls", []))
    return out, reencoded


def test_placeholder_split_at_every_position_is_restored() -> None:
    text = "Write to [EMAIL_1] and [PERSON_1]."
    for cut in range(1, len(text)):
        for cut2 in range(cut + 1, len(text)):
            out, _ = _run([text[:cut], text[cut:cut2], text[cut2:]])
            assert out == "Write to eva@example.fr and Eva Martin.", (cut, cut2)


def test_tool_call_arguments_restored_across_chunks() -> None:
    out, _ = _run(['{"to": "[EMA', 'IL_1]"}'], field="tool")
    assert json.loads(out) == {"to": "eva@example.fr"}


def test_chunks_without_placeholders_are_not_reencoded() -> None:
    _, reencoded = _run(["plain ", "text ", "only"])
    assert reencoded == 0


def test_held_back_text_is_flushed_when_upstream_ends_without_finish() -> None:
    r = StreamRestoration(P)
    assert json.loads(r.event(_chunk({"content": "x [PERS"})))["choices"][0]["delta"]["content"] == "x "
    (left,) = r.leftover()
    assert json.loads(left)["choices"][0]["delta"]["content"] == "[PERS"
    assert json.loads(left)["id"] == "c"


def _text_chunk(text: str, finish: str | None = None, index: int = 0) -> bytes:
    choice = {"text": text, "index": index, "logprobs": None, "finish_reason": finish}
    return msgspec.json.encode({"id": "cmpl-1", "object": "text_completion", "choices": [choice]})


def test_text_completions_are_restored_whole_and_across_chunks() -> None:
    doc = {
        "object": "text_completion",
        "choices": [{"text": "to [EMAIL_1]", "index": 0}, {"text": "x", "index": 1}],
    }
    out = json.loads(restore_completion(json.dumps(doc).encode(), P))
    assert [c["text"] for c in out["choices"]] == ["to eva@example.fr", "x"]
    text = "Dear [PERSON_1], write to [EMAIL_1]."
    for cut in range(1, len(text)):
        r = StreamRestoration(P)
        got = ""
        for data in (_text_chunk(text[:cut]), _text_chunk(text[cut:]), _text_chunk("", "stop")):
            new = r.event(data)
            got += json.loads(new if new is not None else data)["choices"][0]["text"]
        assert got == "Dear Eva Martin, write to eva@example.fr.", cut
    # held back when the upstream stops without finishing: flushed as a text chunk
    r = StreamRestoration(P)
    first = json.loads(r.event(_text_chunk("hi [EMA")) or b"")
    (rest,) = r.leftover()
    tail = json.loads(rest)
    assert first["choices"][0]["text"] == "hi " and tail["object"] == "text_completion"
    assert tail["choices"][0]["text"] == "[EMA"
