"""Arbitrary request bodies through the real `sovgate serve` (embedded defaults: `preview`
providers, so nothing leaves the machine): never a 5xx, every refusal in the OpenAI error format.

Generated, not hand-picked: JSON values of every type wherever a field may stand, messages of
every role with content as a string, a list of parts or anything else, and the optional fields
clients send; text completions' prompts and Responses input items likewise. Derandomized, so a
run in CI is the same run as on a laptop.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.e2e_gateway import serve_cli

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.one_of(st.text(max_size=60), _json)}),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["image_url", "input_audio", "file", "refusal", "text"]), "image_url": _json}
    ),
    _json,
)
_call = st.fixed_dictionaries(
    {
        "id": st.text(max_size=5),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {"name": st.text(max_size=5), "arguments": st.one_of(st.text(max_size=30), _json)}
        ),
    }
)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "system", "assistant", "tool", "developer", "function", "x"])},
    optional={
        "content": st.one_of(st.text(max_size=80), st.lists(_part, max_size=3), _json),
        "name": _json,
        "tool_calls": st.one_of(_json, st.lists(_call, max_size=2)),
        "tool_call_id": _json,
    },
)
_body = st.fixed_dictionaries(
    {
        "model": st.one_of(st.just("chat"), st.just("embed"), _json),
        "messages": st.one_of(st.lists(_message, max_size=3), _json),
    },
    optional={
        key: _json
        for key in (
            "n",
            "tools",
            "stream_options",
            "max_tokens",
            "temperature",
            "response_format",
            "user",
            "input",
        )
    }
    | {"stream": st.one_of(st.booleans(), _json)},
)


_item = st.one_of(
    _message,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["function_call", "function_call_output", "reasoning", "message", "x"])},
        optional={"call_id": _json, "name": _json, "arguments": _json, "output": _json, "role": _json},
    ),
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant"]), "content": st.lists(_part, max_size=2)}
    ),
)
# a text completion: prompts of every shape, the fields code-completion clients send
_completion_body = st.fixed_dictionaries(
    {
        "model": st.one_of(st.just("chat"), st.just("embed"), _json),
        "prompt": st.one_of(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=3), _json),
    },
    optional={key: _json for key in ("suffix", "max_tokens", "echo", "logprobs", "stop", "n")}
    | {"stream": st.one_of(st.booleans(), _json)},
)
# a Responses request: input items of every kind, and the parameters it may and may not carry
_responses_body = st.fixed_dictionaries(
    {
        "model": st.one_of(st.just("chat"), _json),
        "input": st.one_of(st.text(max_size=80), st.lists(_item, max_size=3), _json),
    },
    optional={
        key: _json
        for key in (
            "instructions",
            "tools",
            "tool_choice",
            "text",
            "reasoning",
            "max_output_tokens",
            "metadata",
            "previous_response_id",
            "include",
        )
    }
    | {"stream": st.one_of(st.booleans(), _json)},
)
# well-formed requests with arbitrary text and settings: they must get answers, not refusals
_chat_ok = st.fixed_dictionaries(
    {
        "model": st.just("chat"),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "system", "assistant"]), "content": st.text(max_size=80)}
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={"stream": st.booleans(), "user": st.text(max_size=20), "max_tokens": st.integers(1, 99)},
)
_embeddings_ok = st.fixed_dictionaries(
    {
        "model": st.just("embed"),
        "input": st.one_of(st.text(max_size=60), st.lists(st.text(max_size=20), min_size=1)),
    }
)
_cases = st.one_of(
    st.tuples(st.sampled_from(["/chat/completions", "/embeddings"]), _body),
    st.tuples(st.just("/chat/completions"), _chat_ok),
    st.tuples(st.just("/embeddings"), _embeddings_ok),
    st.tuples(st.just("/completions"), _completion_body),
    st.tuples(st.just("/responses"), _responses_body),
)


_SENT: list[tuple[str, int]] = []  # (path, status) of the requests sent, for the checks after the run


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    cwd = tmp_path_factory.mktemp("e2e-fuzz")
    with serve_cli([], cwd) as url:
        yield url + "/v1", cwd


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(case=_cases)
def test_any_body_gets_an_answer_or_an_openai_error(served: tuple[str, Path], case: tuple[str, Any]) -> None:
    path, body = case
    r = httpx.post(served[0] + path, json=body, headers={"authorization": "Bearer sovgate-demo"}, timeout=30)
    _SENT.append((path, r.status_code))
    assert r.status_code < 500, (r.status_code, r.text[:500])
    if r.status_code >= 400:
        error = r.json()["error"]
        assert isinstance(error["message"], str) and error["message"] and isinstance(error["type"], str)
        assert "Traceback" not in r.text
    elif body.get("stream") is True and path in ("/chat/completions", "/completions"):
        assert r.text.rstrip().endswith("data: [DONE]")
    elif body.get("stream") is True and path == "/responses":
        assert "event: response.completed" in r.text
    elif path == "/responses":
        assert r.json()["object"] == "response"
    else:
        assert "choices" in r.json() or "data" in r.json()


def test_every_fuzzed_request_was_recorded(served: tuple[str, Path]) -> None:
    """Runs after the test above: its answers and refusals are all in the log, which verifies."""
    if not _SENT:
        pytest.skip("checks what the fuzz test above sent: run the module")
    proc = subprocess.run(
        [sys.executable, "-m", "sovgate", "audit", "verify"],
        cwd=served[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = re.search(r"OK: ([\d,]+) entries", proc.stdout)
    assert found is not None, proc.stdout
    api_requests = len(_SENT)
    assert api_requests > 100
    # the generated bodies reached every endpoint's answer, not only its refusals
    assert {path for path, status in _SENT if status == 200} == {
        "/chat/completions",
        "/embeddings",
        "/completions",
        "/responses",
    }
    assert int(found.group(1).replace(",", "")) == 1 + api_requests  # and the worker's start record
