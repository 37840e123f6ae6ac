from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.messages import extract_segments
from sovgate.protect import ProtectionError, Pseudonymizer, PseudonymSession, restore, restore_response
from sovgate.types import Finding

from .conftest import locate, protect_values

CASES = json.loads((Path(__file__).parent / "testdata" / "multilingual.json").read_text())["cases"]


def chat(*contents: str) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": c} for c in contents]}


def test_same_value_same_token_everywhere_different_values_never_collide():
    body = chat("Anna Schmidt met Bert Meyer.", "Then Anna Schmidt called Bert Meyer and Carla Roth.")
    vals = {"Anna Schmidt": "PERSON", "Bert Meyer": "PERSON", "Carla Roth": "PERSON"}
    new, report, session = protect_values(body, vals)
    assert new["messages"][0]["content"] == "[PERSON_1] met [PERSON_2]."
    assert new["messages"][1]["content"] == "Then [PERSON_1] called [PERSON_2] and [PERSON_3]."
    assert report.masked == {"PERSON": 5}
    assert report.distinct == {"PERSON": 3}
    assert report.tokens == {"[PERSON_1]", "[PERSON_2]", "[PERSON_3]"}
    assert body["messages"][0]["content"] == "Anna Schmidt met Bert Meyer."  # input untouched
    assert len({e.value for e in session}) == len(session) == 3


def test_only_the_types_the_verdict_names_are_masked():
    body = chat("Anna Schmidt, anna@example.org")
    vals = {"Anna Schmidt": "PERSON", "anna@example.org": "EMAIL"}
    new, report, _ = protect_values(body, vals, types={"EMAIL"})
    assert new["messages"][0]["content"] == "Anna Schmidt, [EMAIL_1]"
    assert report.masked == {"EMAIL": 1}


def test_no_types_means_the_body_goes_unchanged(pz):
    body = chat("Anna Schmidt")
    segs = extract_segments(body)
    new, report = pz.protect(
        body, segs, locate(segs, {"Anna Schmidt": "PERSON"}), frozenset(), PseudonymSession()
    )
    assert new is body
    assert report.total == 0 and report.tokens == frozenset()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_languages_and_scripts_round_trip(case):
    body = chat(case["text"])
    new, report, session = protect_values(body, case["values"])
    masked = new["messages"][0]["content"]
    for value in case["values"]:
        assert value not in masked
    assert sum(report.masked.values()) == sum(case["text"].count(v) for v in case["values"])
    assert restore(masked, session, scope=report.tokens) == case["text"]


def test_tool_call_arguments_stay_valid_json_both_ways():
    args = {"to": 'Anna "Nan" Schmidt', "iban": "DE89370400440532013000", "card": 4111111111111111, "n": 2}
    body = {
        "messages": [
            {"role": "user", "content": 'pay Anna "Nan" Schmidt'},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "pay", "arguments": json.dumps(args)},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"ok": True, "payee": args["to"]})},
        ]
    }
    vals = {
        'Anna "Nan" Schmidt': "PERSON",
        "DE89370400440532013000": "IBAN",
        "4111111111111111": "CREDIT_CARD",
    }
    new, report, session = protect_values(body, vals)
    sent = new["messages"][1]["tool_calls"][0]["function"]["arguments"]
    parsed = json.loads(sent)  # valid JSON
    assert parsed == {"to": "[PERSON_1]", "iban": "[IBAN_1]", "card": "[CREDIT_CARD_1]", "n": 2}
    assert json.loads(new["messages"][2]["content"]) == {"ok": True, "payee": "[PERSON_1]"}
    assert new["messages"][0]["content"] == "pay [PERSON_1]"
    back = json.loads(restore(sent, session, scope=report.tokens, in_json=True))
    # the number comes back as a string: the model only ever saw a string token there
    assert back == {**args, "card": "4111111111111111"}
    # a value containing quotes and backslashes, restored into arguments the model wrote
    answer = '{"payee": "[PERSON_1]", "memo": "for [PERSON_1]"}'
    assert json.loads(restore(answer, session, scope=report.tokens, in_json=True)) == {
        "payee": args["to"],
        "memo": f"for {args['to']}",
    }


def test_escaped_unicode_in_arguments_is_found_and_decoded():
    args = json.dumps({"name": "Jürgen Weiß"})  # ensure_ascii: J\u00fcrgen Wei\u00df
    body = {
        "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": args}}]}]
    }
    segs = extract_segments(body)
    start = args.index("J")
    # a classifier that cuts in the middle of an escape sequence: widened to whole escapes
    f = Finding("PERSON", start, args.index("df") + 1, segment=0)
    session = PseudonymSession()
    new, _ = Pseudonymizer().protect(body, segs, [f], {"PERSON"}, session)
    assert json.loads(new["messages"][0]["tool_calls"][0]["function"]["arguments"]) == {"name": "[PERSON_1]"}
    assert session.value_of("[PERSON_1]") == "Jürgen Weiß"


def test_multi_turn_keeps_tokens_and_masks_values_the_classifier_missed():
    session = PseudonymSession("conv-1")
    pz = Pseudonymizer()
    turn1 = chat("Write to Anna Schmidt at anna@example.org")
    vals = {"Anna Schmidt": "PERSON", "anna@example.org": "EMAIL"}
    _new1, rep1, _ = protect_values(turn1, vals, session=session, pz=pz)
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Dear [PERSON_1], ..."}}]}
    restored = restore_response(answer, session, scope=rep1.tokens)
    assert restored["choices"][0]["message"]["content"] == "Dear Anna Schmidt, ..."
    # turn 2: the history comes back in the clear; the classifier only reports the new name
    turn2 = {
        "messages": [
            *turn1["messages"],
            restored["choices"][0]["message"],
            {"role": "user", "content": "Also cc Bert Meyer"},
        ]
    }
    segs = extract_segments(turn2)
    findings = locate(segs[-1:], {"Bert Meyer": "PERSON"})
    findings = [Finding(f.kind, f.start, f.end, segment=len(segs) - 1) for f in findings]
    new2, rep2 = pz.protect(turn2, segs, findings, {"PERSON", "EMAIL"}, session)
    contents = [m["content"] for m in new2["messages"]]
    assert contents == [
        "Write to [PERSON_1] at [EMAIL_1]",
        "Dear [PERSON_1], ...",
        "Also cc [PERSON_2]",
    ]
    assert rep2.masked == {"PERSON": 3, "EMAIL": 1}


def test_a_token_the_client_wrote_is_never_handed_out():
    body = chat("Template uses [PERSON_1] literally; the client is Anna Schmidt.")
    new, _, session = protect_values(body, {"Anna Schmidt": "PERSON"})
    assert new["messages"][0]["content"] == "Template uses [PERSON_1] literally; the client is [PERSON_2]."
    # restoring the answer leaves the literal template token alone
    assert restore("[PERSON_1] / [PERSON_2]", session) == "[PERSON_1] / Anna Schmidt"


def test_overlapping_findings_are_masked_as_one_span(pz):
    body = chat("Send it to Anna Schmidt, Hauptstr. 5, Berlin.")
    text = body["messages"][0]["content"]
    segs = extract_segments(body)
    a = text.index("Anna")
    findings = [
        Finding("PERSON", a, a + len("Anna Schmidt")),
        Finding("ADDRESS", a + 5, text.index("Berlin") + 6),  # overlaps the name
    ]
    new, report = pz.protect(body, segs, findings, {"PERSON", "ADDRESS"}, PseudonymSession())
    assert new["messages"][0]["content"] == "Send it to [ADDRESS_1]."
    assert report.masked == {"ADDRESS": 1}


def test_message_name_field_keeps_the_allowed_charset():
    body = {"messages": [{"role": "user", "name": "anna_schmidt", "content": "hi"}]}
    new, _, _ = protect_values(body, {"anna_schmidt": "PERSON"})
    assert new["messages"][0]["name"] == "PERSON_1"


@pytest.mark.parametrize(
    ("part", "where"),
    [
        ({"type": "image_url", "image_url": {"url": "https://img.example/anna-schmidt.png"}}, "image_url"),
        ({"type": "file", "file": {"filename": "anna-schmidt.pdf"}}, "file"),
        ({"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}, "audio"),
    ],
)
def test_spans_that_cannot_be_rewritten_are_refused(pz, part, where):
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "see"}, part]}]}
    segs = extract_segments(body)
    seg = next(i for i, s in enumerate(segs) if s.kind == where)
    f = Finding("PERSON", 0, max(1, len(segs[seg].text)), segment=seg)
    if where != "image_url":
        f = Finding("PERSON", 0, 0, segment=seg)  # opaque part: the classifier can only flag it
    with pytest.raises(ProtectionError, match=f"PERSON found in the {where} part") as info:
        pz.protect(body, segs, [f], {"PERSON"}, PseudonymSession())
    assert info.value.path == segs[seg].path
    assert "allow a provider" in str(info.value)


def test_embeddings_token_ids_are_refused_when_anything_must_be_masked(pz):
    body = {"model": "e", "input": [[101, 2023, 102]]}
    with pytest.raises(ProtectionError, match="token ids"):
        pz.protect(body, extract_segments(body), [], {"PERSON"}, PseudonymSession())
    # nothing to mask for this provider: nothing to refuse
    assert pz.protect(body, extract_segments(body), [], frozenset(), PseudonymSession())[0] is body


@pytest.mark.parametrize("prompt", [[1, 2023, 102], [[1, 2023], [102]]])
def test_completion_prompt_token_ids_are_refused_when_anything_must_be_masked(pz, prompt):
    body = {"model": "c", "prompt": prompt}
    with pytest.raises(ProtectionError, match="prompt given as token ids") as info:
        pz.protect(body, extract_segments(body), [], {"PERSON"}, PseudonymSession())
    assert info.value.path == ("prompt",)
    assert pz.protect(body, extract_segments(body), [], frozenset(), PseudonymSession())[0] is body


def test_completion_prompt_and_suffix_are_masked():
    body = {"model": "c", "prompt": ["Dear Anna Schmidt,", "x"], "suffix": "-- Anna Schmidt"}
    new, report, _ = protect_values(body, {"Anna Schmidt": "PERSON"})
    assert new["prompt"] == ["Dear [PERSON_1],", "x"] and new["suffix"] == "-- [PERSON_1]"
    assert report.masked == {"PERSON": 2} and body["prompt"][0] == "Dear Anna Schmidt,"


def test_embeddings_text_input_is_masked():
    body = {"model": "e", "input": ["Anna Schmidt likes tea", "unrelated"]}
    new, report, _ = protect_values(body, {"Anna Schmidt": "PERSON"})
    assert new["input"] == ["[PERSON_1] likes tea", "unrelated"]
    assert report.masked == {"PERSON": 1}


def test_findings_that_do_not_match_the_segments_fail_closed(pz):
    body = chat("short")
    segs = extract_segments(body)
    with pytest.raises(ProtectionError, match="segment 3"):
        pz.protect(body, segs, [Finding("PERSON", 0, 2, segment=3)], {"PERSON"}, PseudonymSession())
    with pytest.raises(ProtectionError, match="outside its segment"):
        pz.protect(body, segs, [Finding("PERSON", 2, 99)], {"PERSON"}, PseudonymSession())


def test_protect_per_provider_reuses_one_session():
    """EU provider gets the clear text, a US one the masked text; tokens stay stable."""
    body = chat("Anna Schmidt, anna@example.org")
    vals = {"Anna Schmidt": "PERSON", "anna@example.org": "EMAIL"}
    session = PseudonymSession()
    clear, rep_eu, _ = protect_values(body, vals, types=set(), session=session)
    masked_us, _rep_us, _ = protect_values(body, vals, session=session)
    masked_again, _, _ = protect_values(body, vals, session=session)
    assert clear is body and rep_eu.tokens == frozenset()
    assert masked_us == masked_again
    assert masked_us["messages"][0]["content"] == "[PERSON_1], [EMAIL_1]"


def test_findings_with_and_without_jurisdiction_at_the_same_place(pz):
    body = chat("IBAN DE89370400440532013000")
    segs = extract_segments(body)
    findings = [
        Finding("IBAN", 5, 27, jurisdiction="DE"),
        Finding("IBAN", 5, 27),
        Finding("NATIONAL_ID", 5, 27),
    ]
    new, report = pz.protect(body, segs, findings, {"IBAN", "NATIONAL_ID"}, PseudonymSession())
    assert new["messages"][0]["content"] == "IBAN [IBAN_1]"
    assert report.masked == {"IBAN": 1}
