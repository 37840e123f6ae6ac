"""Models that answer in Markdown escape brackets; the escaped placeholder is still restored."""

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession, StreamRestorer, restore
from sovgate.types import Finding


def _session() -> tuple[PseudonymSession, frozenset[str]]:
    body = {"messages": [{"role": "user", "content": "Write to Anna Becker."}]}
    session = PseudonymSession()
    _, report = Pseudonymizer().protect(
        body, extract_segments(body), [Finding("PERSON", 9, 20)], frozenset({"PERSON"}), session
    )
    return session, frozenset(report.tokens)


def test_escaped_placeholder_is_restored():
    session, scope = _session()
    assert restore("Dear \\[PERSON_1\\], thanks.", session, scope=scope) == "Dear Anna Becker, thanks."


def test_escaped_placeholder_split_across_chunks_is_restored():
    session, scope = _session()
    r = StreamRestorer(session, scope=scope)
    out = "".join(r.feed(c) for c in ["Dear \\", "[PERS", "ON_1\\", "], ok"]) + r.flush()
    assert out == "Dear Anna Becker, ok"


def test_a_lone_backslash_is_forwarded():
    session, scope = _session()
    r = StreamRestorer(session, scope=scope)
    assert "".join(r.feed(c) for c in ["C:\\", "temp"]) + r.flush() == "C:\\temp"
