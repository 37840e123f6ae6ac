"""Turn tokens in a model's answer back into the values they stand for.

Only exact, known tokens are restored: `[PERSON_1]` when the session (and the
request's scope) holds it. Anything the model invents or mangles (`[PERSON_9]`,
`[ Person_1 ]`, `[PERSON_1` without its bracket, `PERSON_1`) is left exactly as the
model wrote it, so it can never become someone else's data.

Matching is leftmost-longest, non-overlapping, and the same for a whole text
(`restore`) and for a stream (`StreamRestorer`): a stream cut anywhere gives the same
output as the text in one piece. The stream holds back only a tail of the buffer
that is still the beginning of a known token (for placeholders: from the last `[`
while it spells a known token's prefix); everything else is forwarded at once.

Surrogate tokens (realistic fakes that start or end with a letter or digit) match
only on word boundaries, so `192.0.2.1` inside `192.0.2.15` is not restored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sovgate.protect._literals import Literals
from sovgate.protect._text import is_word
from sovgate.protect.session import PseudonymSession


def json_escape(text: str) -> str:
    """`text` as it must appear inside a JSON string literal (without the quotes)."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text  # the common case (every placeholder): nothing to escape
    return json.dumps(text, ensure_ascii=False)[1:-1]


class _Matcher:
    """The known tokens of one session/scope, ready for restoring."""

    __slots__ = ("_cands", "first", "literals", "maxlen", "repl")

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.repl: dict[str, str] = dict(pairs)
        self.literals = Literals(self.repl)
        self.maxlen = self.literals.maxlen
        self.first = self.literals.first
        self._cands: tuple[set[str], set[str]] | None = None  # only streams need them

    def _candidates(self) -> tuple[set[str], set[str]]:
        """Tails that may still grow into a match: anywhere, and only after a non-word character."""
        if self._cands is None:
            free: set[str] = set()
            lb_only: set[str] = set()
            for tok in self.repl:
                lb, la = self.literals.flags(tok)
                cand = lb_only if lb else free
                cand.update(tok[:i] for i in range(1, len(tok)))
                if la:  # a full match at the end of the buffer waits for the next character
                    cand.add(tok)
            self._cands = (free, lb_only)
        return self._cands

    def sub(self, text: str) -> str:
        if not self.literals:
            return text
        out: list[str] = []
        pos = 0
        for start, end, tok in self.literals.matches(text):
            out.append(text[pos:start])
            out.append(self.repl[tok])
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def hold_from(self, text: str, pos: int) -> int:
        """Earliest q >= pos where text[q:] could still become (or extend) a match."""
        n = len(text)
        free, lb = self._candidates()
        for q in range(max(pos, n - self.maxlen), n):
            tail = text[q:]
            if tail in free:
                return q
            if tail in lb and not (q > 0 and is_word(text[q - 1])):
                return q
        return n


def matcher(session: PseudonymSession, scope: Iterable[str] | None, in_json: bool) -> _Matcher:
    """The compiled matcher for `session` restricted to `scope` (cached on the session)."""
    # a set or list works too; the cache needs a hashable key (frozenset(fs) is fs itself)
    allowed = None if scope is None else frozenset(scope)

    def build() -> _Matcher:
        pairs: list[tuple[str, str]] = []
        for e in session:
            if allowed is not None and (e.parent or e.token) not in allowed:
                continue
            if in_json:
                value = json_escape(e.value)
                pairs.append((e.token, value))
                ascii_form = json.dumps(e.token)[1:-1]  # a model may \u-escape non-ASCII in JSON
                if ascii_form != e.token:
                    pairs.append((ascii_form, value))
            else:
                pairs.append((e.token, e.value))
                if e.token.startswith("[") and e.token.endswith("]"):
                    # Markdown answers escape brackets: "\\[PERSON_1\\]" is the same placeholder
                    pairs.append(("\\" + e.token[:-1] + "\\]", e.value))
        return _Matcher(pairs)

    return session.cached(("restore", in_json, allowed), build)


def restore(
    text: str, session: PseudonymSession, *, scope: Iterable[str] | None = None, in_json: bool = False
) -> str:
    """Restore known tokens in a complete text (message content, tool-call arguments).

    `scope`: only these tokens (use `ProtectionReport.tokens` of the request that was
    sent, so a token the upstream never saw is never restored). `in_json`: the text is
    JSON (tool-call arguments); restored values are JSON-escaped so it stays valid.
    """
    allowed = None if scope is None else frozenset(scope)
    # Most answers hold no token at all: when none of the tokens' first characters occurs (nor
    # the backslash of an escaped form), the text stays as it is without building the matcher.
    firsts = {e.token[:1] for e in session if allowed is None or (e.parent or e.token) in allowed}
    if "\\" not in text and not any(c in text for c in firsts):
        return text
    return matcher(session, allowed, in_json).sub(text)


class StreamRestorer:
    """Restore one streamed field (a choice's content, or one tool call's arguments).

    `feed(delta)` returns what can be forwarded now; `flush()` at the end of the
    field returns what was held back (an unfinished token is forwarded as written).
    """

    __slots__ = ("_m", "_pending", "_prev")

    def __init__(
        self, session: PseudonymSession, *, scope: Iterable[str] | None = None, in_json: bool = False
    ) -> None:
        self._m = matcher(session, scope, in_json)
        self._pending = ""
        self._prev = ""  # last character already forwarded, for word-boundary checks

    @property
    def pending(self) -> str:
        """The held-back tail (for tests and metrics)."""
        return self._pending

    def feed(self, delta: str) -> str:
        if not delta:
            return ""
        m = self._m
        if not self._pending and m.first.isdisjoint(delta):
            self._prev = delta[-1]  # no token can start in this delta: forward as is
            return delta
        return self._drain(self._pending + delta, final=False)

    def flush(self) -> str:
        if not self._pending:
            return ""
        return self._drain(self._pending, final=True)

    def _drain(self, buf: str, *, final: bool) -> str:
        m = self._m
        text = self._prev + buf
        pos = len(self._prev)
        n = len(text)
        out: list[str] = []
        found = m.literals.all(text, pos)
        i = 0
        while True:
            hold = n if final else m.hold_from(text, pos)
            while i < len(found) and found[i][0] < pos:
                i += 1
            if i == len(found) or found[i][0] >= hold:
                out.append(text[pos:hold])
                break
            # a match starting before `hold` cannot change with more text (see hold_from)
            start, end, tok = found[i]
            out.append(text[pos:start])
            out.append(m.repl[tok])
            pos = end
        if hold > 0:
            self._prev = text[hold - 1]
        self._pending = text[hold:]
        return "".join(out)
