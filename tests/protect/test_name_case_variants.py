"""A name found once is masked where it is repeated in another case; restoring gives each form back."""

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession, restore
from sovgate.types import Finding


def test_capitalised_repetition_of_a_found_name_is_masked_too():
    text = "Kundin: Anna Becker. Bitte ANNA BECKER informieren, anna becker hat angerufen."
    body = {"messages": [{"role": "user", "content": text}]}
    segs = extract_segments(body)
    session = PseudonymSession()
    new, _ = Pseudonymizer().protect(body, segs, [Finding("PERSON", 8, 19)], frozenset({"PERSON"}), session)
    sent = new["messages"][0]["content"]
    assert "ANNA BECKER" not in sent and "anna becker" not in sent and "Anna Becker" not in sent
    assert restore(sent, session) == text


def test_single_word_names_are_not_matched_in_other_cases():
    text = "Rose said the rose is red."
    body = {"messages": [{"role": "user", "content": text}]}
    session = PseudonymSession()
    new, _ = Pseudonymizer().protect(
        body, extract_segments(body), [Finding("PERSON", 0, 4)], frozenset({"PERSON"}), session
    )
    assert new["messages"][0]["content"].endswith("said the rose is red.")
