from sovgate.messages import extract_segments, replace_segments


def test_every_place_text_can_hide_is_listed():
    body = {
        "model": "chat",
        "messages": [
            {"role": "system", "content": "sys"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "part"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "result"},
        ],
    }
    segs = extract_segments(body)
    assert [(s.path, s.text, s.kind, s.role) for s in segs] == [
        (("messages", 0, "content"), "sys", "text", "system"),
        (("messages", 1, "content", 0, "text"), "part", "text", "user"),
        (("messages", 1, "content", 1, "image_url", "url"), "https://x/y.png", "image_url", "user"),
        (("messages", 2, "tool_calls", 0, "function", "arguments"), '{"a":1}', "tool_arguments", "assistant"),
        (("messages", 3, "content"), "result", "text", "tool"),
    ]


def test_a_text_completion_prompt_and_suffix():
    body = {"model": "c", "prompt": ["def f(", 7, "x"], "suffix": "# by anna@x.de"}
    got = [(s.path, s.text) for s in extract_segments(body)]
    assert got == [(("prompt", 0), "def f("), (("prompt", 2), "x"), (("suffix",), "# by anna@x.de")]
    assert [s.path for s in extract_segments({"prompt": "p", "suffix": ""})] == [("prompt",)]


def test_embeddings_input():
    assert [s.path for s in extract_segments({"input": ["a", "b"]})] == [("input", 0), ("input", 1)]
    assert [s.text for s in extract_segments({"input": "x"})] == ["x"]


def test_replace_copies_only_the_touched_path():
    body = {"messages": [{"role": "user", "content": "Anna"}, {"role": "user", "content": "keep"}]}
    new = replace_segments(body, {("messages", 0, "content"): "[PERSON_1]"})
    assert new["messages"][0]["content"] == "[PERSON_1]"
    assert body["messages"][0]["content"] == "Anna"  # original untouched
    assert new["messages"][1] is body["messages"][1]


def test_text_outside_the_messages_is_listed():
    body = {
        "model": "chat",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "file", "file": {"filename": "anna@x.de.pdf", "file_data": "…"}}],
            }
        ],
        "user": "anna.becker@example.de",
        "safety_identifier": "anna.becker@example.de",
        "prompt_cache_key": "tenant-7/anna.becker",
        "metadata": {"customer": "Anna Becker", "n": 3},
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "send_mail",
                    "description": "Send mail to Anna Becker",
                    "parameters": {
                        "type": "object",
                        "properties": {"to": {"type": "string", "enum": ["anna@x.de", "bob@y.de"]}},
                        "required": ["to"],
                    },
                },
            }
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": {"description": "d"}},
        },
        "prediction": {"type": "content", "content": "Dear Anna"},
    }
    got = {s.path: (s.text, s.kind) for s in extract_segments(body)}
    assert got == {
        ("messages", 0, "content", 0, "file", "filename"): ("anna@x.de.pdf", "file"),
        ("user",): ("anna.becker@example.de", "text"),
        ("safety_identifier",): ("anna.becker@example.de", "text"),
        ("prompt_cache_key",): ("tenant-7/anna.becker", "text"),
        ("metadata", "customer"): ("Anna Becker", "text"),
        ("tools", 0, "function", "description"): ("Send mail to Anna Becker", "text"),
        ("tools", 0, "function", "parameters", "properties", "to", "enum", 0): ("anna@x.de", "text"),
        ("tools", 0, "function", "parameters", "properties", "to", "enum", 1): ("bob@y.de", "text"),
        ("response_format", "json_schema", "schema", "description"): ("d", "text"),
        ("prediction", "content"): ("Dear Anna", "text"),
    }


def test_replaced_request_fields_reach_the_copy_only():
    body = {"user": "anna@x.de", "metadata": {"customer": "Anna"}}
    new = replace_segments(body, {("user",): "[EMAIL_1]", ("metadata", "customer"): "[PERSON_1]"})
    assert new == {"user": "[EMAIL_1]", "metadata": {"customer": "[PERSON_1]"}}
    assert body == {"user": "anna@x.de", "metadata": {"customer": "Anna"}}
