from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovgate.protect import PseudonymSession, StreamRestorer, restore


@pytest.fixture
def session() -> PseudonymSession:
    s = PseudonymSession()
    s.add("PERSON", "Anna Schmidt", "[PERSON_1]")
    s.add("PERSON", 'Bert "B" Meyer\\', "[PERSON_2]")
    s.add("IBAN", "DE89 3704 0044 0532 0130 00", "[IBAN_1]")
    s.add("PERSON", "王小明", "[PERSON_12]")
    return s


def stream(restorer: StreamRestorer, pieces: list[str]) -> list[str]:
    return [restorer.feed(p) for p in pieces] + [restorer.flush()]


def test_restores_exact_known_tokens(session):
    assert restore("Hi [PERSON_1], IBAN [IBAN_1]. [PERSON_12]!", session) == (
        "Hi Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00. 王小明!"
    )


@pytest.mark.parametrize(
    "mangled",
    [
        "[PERSON_9]",  # invented
        "[ Person_1 ]",
        "[person_1]",
        "[PERSON_1",  # unclosed
        "PERSON_1]",
        "PERSON_1",
        "[PERSON 1]",
        "[[PERSON_1",
        "[PERSON_1 ]",
        "［PERSON_1］",  # fullwidth brackets
    ],
)
def test_mangled_or_invented_tokens_are_left_as_written(session, mangled):
    text = f"Dear {mangled}, thanks."
    assert restore(text, session) == text
    assert "".join(stream(StreamRestorer(session), list(text))) == text


def test_scope_limits_what_is_restored(session):
    # the upstream only ever saw [PERSON_1]: a [PERSON_2] it produces is not someone's data
    scope = frozenset({"[PERSON_1]"})
    assert restore("[PERSON_1] [PERSON_2]", session, scope=scope) == "Anna Schmidt [PERSON_2]"
    r = StreamRestorer(session, scope=scope)
    assert "".join(stream(r, ["[PERSON_", "2] [PERSON_", "1]"])) == "[PERSON_2] Anna Schmidt"


def test_json_mode_escapes_restored_values(session):
    args = '{"to": "[PERSON_2]", "iban": "[IBAN_1]"}'
    out = restore(args, session, in_json=True)
    assert json.loads(out) == {"to": 'Bert "B" Meyer\\', "iban": "DE89 3704 0044 0532 0130 00"}
    # the same text in content is restored verbatim
    assert restore("[PERSON_2]", session) == 'Bert "B" Meyer\\'


def test_every_split_of_a_text_streams_to_the_whole_restore(session):
    text = "x[PERSON_1][PERSON_12] [[IBAN_1]] [PERSON_1 [PERSON_2]]end["
    expected = restore(text, session)
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            r = StreamRestorer(session)
            assert "".join(stream(r, [text[:i], text[i:j], text[j:]])) == expected, (i, j)


def test_holds_back_only_a_possible_token_prefix(session):
    r = StreamRestorer(session)
    assert r.feed("Hello ") == "Hello "  # nothing that can start a token: at once
    assert r.feed("[PER") == ""
    assert r.pending == "[PER"
    assert r.feed("X") == "[PERX"  # cannot become a known token any more: released
    assert r.feed("[") == ""
    assert r.feed("PERSON_1") == ""
    assert r.feed("2") == ""  # [PERSON_12 is still a prefix of [PERSON_12]
    assert r.feed("]") == "王小明"
    assert r.feed("[PERSON_3") == "[PERSON_3"  # no known token starts like that
    assert r.feed("[PERSON_1") == ""
    assert r.flush() == "[PERSON_1"  # unfinished at the end: forwarded as written


def test_no_tokens_means_pass_through():
    r = StreamRestorer(PseudonymSession())
    assert r.feed("[PERSON_1]") == "[PERSON_1]"
    assert r.flush() == ""


def test_unicode_escaped_surrogate_in_arguments_is_restored():
    s = PseudonymSession()
    s.add("PERSON", "Anna Schmidt", "Jürgen Weiß")  # a surrogate token
    args = json.dumps({"n": "Jürgen Weiß"})  # the model \u-escaped it
    assert json.loads(restore(args, s, in_json=True)) == {"n": "Anna Schmidt"}


def test_surrogates_only_match_on_word_boundaries():
    s = PseudonymSession()
    s.add("IP_ADDRESS", "10.1.2.3", "192.0.2.1")
    s.add("PERSON", "Anna", "Lea")
    text = "192.0.2.15 and 192.0.2.1. Leander, Lea's"
    assert restore(text, s) == "192.0.2.15 and 10.1.2.3. Leander, Anna's"
    for cut in range(len(text) + 1):
        assert "".join(stream(StreamRestorer(s), [text[:cut], text[cut:]])) == restore(text, s)


def test_cjk_surrogate_inside_cjk_text():
    s = PseudonymSession()
    s.add("PERSON", "王小明", "李华")
    text = "李华先生你好"
    assert restore(text, s) == "王小明先生你好"
    assert "".join(stream(StreamRestorer(s), list(text))) == "王小明先生你好"


def test_scope_may_be_any_iterable(session):
    for scope in ({"[PERSON_1]"}, ["[PERSON_1]"], ("[PERSON_1]",)):
        assert restore("[PERSON_1] [IBAN_1]", session, scope=scope) == "Anna Schmidt [IBAN_1]"


TOKEN_ALPHABET = "ab[]_1 ."


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    tokens=st.lists(
        st.text(alphabet=TOKEN_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=5, unique=True
    ),
    text=st.text(alphabet=TOKEN_ALPHABET + "x", max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
    in_json=st.booleans(),
)
def test_any_token_set_streams_exactly_like_the_whole_text(tokens, text, cuts, in_json):
    """Overlapping tokens, tokens that are prefixes or suffixes of others, word and non-word
    edges: however the text is cut, the stream equals the whole-text restore, and what is
    held back is always a possible start of a token."""
    s = PseudonymSession()
    for n, tok in enumerate(tokens):
        s.add("PERSON", f"<{n}>", tok)
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    r = StreamRestorer(s, in_json=in_json)
    out = []
    for a, b in itertools.pairwise(points):
        out.append(r.feed(text[a:b]))
        assert len(r.pending) < max(map(len, tokens)) + 1
        assert not r.pending or any(t.startswith(r.pending) for t in tokens)
    out.append(r.flush())
    assert "".join(out) == restore(text, s, in_json=in_json)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    tokens=st.lists(st.text(alphabet="ab[]_1é", min_size=1, max_size=5), min_size=1, max_size=4, unique=True),
    text=st.text(alphabet="ab[]_1é\\ux", max_size=40),
    in_json=st.booleans(),
    scoped=st.integers(0, 4),
)
def test_the_no_token_shortcut_restores_as_the_matcher(tokens, text, in_json, scoped):
    """restore() returns answers without any token's first character (or a backslash) untouched
    without building the matcher: the same result as the matcher's, escaped forms included."""
    from sovgate.protect.restore import matcher

    s = PseudonymSession()
    for n, tok in enumerate(tokens):
        s.add("PERSON", f"<{n}>", tok)
    scope = tokens[:scoped] if scoped else None
    whole = matcher(s, scope, in_json).sub(text)
    assert restore(text, s, scope=scope, in_json=in_json) == whole
    # escaped forms: "\\[ab\\]" (Markdown) and "\\u00e9" (JSON) restore like the matcher does
    for tok in tokens:
        for form in ("\\" + tok[:-1] + "\\]", json.dumps(tok)[1:-1]):
            text2 = "x " + form + " x"
            assert restore(text2, s, scope=scope, in_json=in_json) == matcher(s, scope, in_json).sub(text2)
