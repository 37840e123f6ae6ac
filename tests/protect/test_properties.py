"""10,000 randomized requests and streams: nothing protected goes up, no token fragment comes down.

Each example builds a request from random text and protected values (several scripts,
quotes and backslashes, text that looks like tokens), masks it for content and for
tool-call arguments, then plays a model answer that mixes random text, the tokens it
was given and invented or mangled tokens, cut at random chunk boundaries. The client
must see exactly the answer with the tokens replaced by their values.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovgate.messages import extract_segments
from sovgate.protect import ChunkRestorer, Pseudonymizer, PseudonymSession
from sovgate.types import Finding

from .conftest import locate

VALUES = [
    ("Anna Schmidt", "PERSON"),
    ("Jürgen Weiß", "PERSON"),
    ("王小明", "PERSON"),
    ('Bert "B" Meyer\\', "PERSON"),
    ("DE89 3704 0044 0532 0130 00", "IBAN"),
    ("anna@example.org", "EMAIL"),
    ("+33 6 12 34 56 78", "PHONE"),
    ("4111 1111 1111 1111", "CREDIT_CARD"),
]
TYPES = frozenset(k for _, k in VALUES)
# request text may even contain whole tokens; answer text never contains "]", so random
# answer text cannot complete a token by itself (only the pieces we mean as tokens do)
REQUEST_TEXT = st.text(alphabet='ab xé中[]_PERSON01"\\\n', max_size=8)
ANSWER_TEXT = st.text(alphabet='ab xé中[_PERSON01"\\\n', max_size=8)
MANGLED = ["[PERSON_99]", "[ Person_1 ]", "[PERSON_1", "[IBAN_", "[", "[person_1]", "[PERSON 1]", "[[EMAIL_1"]


def build_request(pieces: list[str | int]) -> tuple[str, list[tuple[int, int, str]]]:
    out, spans, pos = [], [], 0
    for p in pieces:
        text = p if isinstance(p, str) else VALUES[p][0]
        if not isinstance(p, str):
            spans.append((pos, pos + len(text), VALUES[p][1]))
        out.append(text)
        pos += len(text)
    return "".join(out), spans


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    request=st.lists(st.one_of(REQUEST_TEXT, st.integers(0, len(VALUES) - 1)), min_size=1, max_size=10),
    style=st.sampled_from(["placeholder", "surrogate"]),
    seed=st.integers(0, 2**16),
    answer=st.lists(
        st.one_of(ANSWER_TEXT, st.integers(0, 40), st.sampled_from(MANGLED)), min_size=1, max_size=12
    ),
    cuts=st.lists(st.integers(0, 400), max_size=30),
)
def test_nothing_protected_goes_up_and_no_fragment_comes_down(request, style, seed, answer, cuts):
    text, spans = build_request(request)
    args = json.dumps({"note": text})  # the same text inside tool-call arguments (\u-escaped)
    body = {
        "messages": [
            {"role": "user", "content": text},
            {"role": "assistant", "tool_calls": [{"index": 0, "function": {"name": "f", "arguments": args}}]},
        ]
    }
    segments = extract_segments(body)
    findings = [Finding(k, a, b, segment=0) for a, b, k in spans]
    # in the arguments, where a classifier would find them (raw JSON offsets)
    findings += [Finding(f.kind, f.start, f.end, segment=1) for f in locate(segments[1:], dict(VALUES))]
    session = PseudonymSession()
    masked, report = Pseudonymizer(style, seed=seed).protect(body, segments, findings, TYPES, session)

    # 1. upstream: no protected value, in any encoding; tool arguments still valid JSON
    upstream = json.dumps(masked, ensure_ascii=False)
    sent_args = masked["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(sent_args).keys() == {"note"}
    for value, _ in VALUES:
        if value in text:
            assert value not in upstream
            assert json.dumps(value)[1:-1] not in upstream
            assert value not in json.loads(sent_args)["note"]

    # 2. downstream: the answer uses the tokens it got, plus invented and mangled ones
    tokens = sorted(report.tokens)
    said, expected = [], []
    for p in answer:
        if isinstance(p, int):
            if not tokens:
                continue
            tok = tokens[p % len(tokens)]
            value = session.value_of(tok)
            assert value is not None
            said.append(f" {tok} ")  # spaced: surrogates only match as whole words
            expected.append(f" {value} ")
        else:
            said.append(p)
            expected.append(p)
    content, want = "".join(said), "".join(expected)
    arguments = json.dumps({"a": content})

    cr = ChunkRestorer(session, scope=report.tokens)
    received: list[dict] = []
    for piece in chunked(content, cuts):
        received.append(cr.restore_chunk({"choices": [{"index": 0, "delta": {"content": piece}}]}))
    for piece in chunked(arguments, cuts[::-1]):
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
        received.append(cr.restore_chunk({"choices": [{"index": 0, "delta": delta}]}))
    received.append(cr.restore_chunk({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    received += cr.finish()

    got_content = "".join(c["choices"][0]["delta"].get("content") or "" for c in received)
    got_args = "".join(
        tc["function"]["arguments"]
        for c in received
        for tc in c["choices"][0]["delta"].get("tool_calls") or []
    )
    assert got_content == want  # no fragment held, dropped or leaked; mangled tokens verbatim
    assert json.loads(got_args) == {"a": want}
