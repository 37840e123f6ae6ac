"""A surname or first name alone, after (or before) the full name: the model sees the same person."""

from __future__ import annotations

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession, StreamRestorer, restore
from sovgate.types import Finding


def _protect(text: str, names: list[str], session: PseudonymSession, style: str = "placeholder"):
    body = {"messages": [{"role": "user", "content": text}]}
    findings = []
    for name in names:  # every occurrence of each name, as the classifier would report them
        at = text.find(name)
        while at != -1:
            if (at == 0 or not text[at - 1].isalpha()) and not text[
                at + len(name) : at + len(name) + 1
            ].isalpha():
                findings.append(Finding("PERSON", at, at + len(name)))
            at = text.find(name, at + 1)
    new, report = Pseudonymizer(style, seed=1).protect(  # type: ignore[arg-type]
        body, extract_segments(body), findings, frozenset({"PERSON"}), session
    )
    return new["messages"][0]["content"], report


def test_surname_alone_is_the_full_names_part() -> None:
    session = PseudonymSession()
    text = "Kundin Anna Schmidt hat angerufen. Frau Schmidt bittet um Rückruf; Anna wartet."
    sent, report = _protect(text, ["Anna Schmidt", "Schmidt", "Anna"], session)
    assert (
        sent
        == "Kundin [PERSON_1] hat angerufen. Frau [PERSON_1_LAST] bittet um Rückruf; [PERSON_1_FIRST] wartet."
    )
    assert restore(sent, session, scope=report.tokens) == text
    answer = "Sehr geehrte Frau [PERSON_1_LAST], wir rufen [PERSON_1] zurück."
    assert (
        restore(answer, session, scope=report.tokens)
        == "Sehr geehrte Frau Schmidt, wir rufen Anna Schmidt zurück."
    )


def test_surname_before_the_full_name_and_in_a_later_turn() -> None:
    session = PseudonymSession()
    sent, _ = _protect("Frau Schmidt rief an. Kundin: Anna Schmidt.", ["Anna Schmidt", "Schmidt"], session)
    assert sent == "Frau [PERSON_1_LAST] rief an. Kundin: [PERSON_1]."
    later, _ = _protect("Hat Frau Schmidt schon bezahlt?", ["Schmidt"], session)
    assert later == "Hat Frau [PERSON_1_LAST] schon bezahlt?"


def test_a_surname_shared_by_two_people_gets_its_own_token() -> None:
    session = PseudonymSession()
    text = "Anna Schmidt und Peter Schmidt kamen. Frau Schmidt blieb."
    sent, _ = _protect(text, ["Anna Schmidt", "Peter Schmidt", "Schmidt"], session)
    assert sent == "[PERSON_1] und [PERSON_2] kamen. Frau [PERSON_3] blieb."


def test_streamed_answers_restore_part_tokens() -> None:
    session = PseudonymSession()
    _, report = _protect("Anna Schmidt, also Frau Schmidt.", ["Anna Schmidt", "Schmidt"], session)
    restorer = StreamRestorer(session, scope=report.tokens)
    answer = "Dear [PERSON_1_LAST] ([PERSON_1])."
    out = "".join(restorer.feed(answer[i : i + 3]) for i in range(0, len(answer), 3)) + restorer.flush()
    assert out == "Dear Schmidt (Anna Schmidt)."


def test_surrogates_keep_their_own_aliases() -> None:
    session = PseudonymSession()
    sent, _ = _protect("Anna Schmidt, also Frau Schmidt.", ["Anna Schmidt", "Schmidt"], session, "surrogate")
    assert "[PERSON" not in sent and "Schmidt" not in sent
