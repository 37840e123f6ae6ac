"""The pseudonym mapping of one request or conversation.

A `PseudonymSession` maps (entity type, exact value) to one token and back. Tokens are
unique within the session, so two different values never share one; the same value
always gets the same token, in every message and in every turn that reuses the
session. The session holds the clear values: it lives in memory (or encrypted in
Redis, see `vault`) for the conversation's TTL and is never logged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

import msgspec


class Entry(msgspec.Struct, frozen=True):
    """One pseudonym: `token` stands for `value`, an entity of type `kind`.

    An entry with a `parent` is a restore-only alias of a surrogate's part: the model
    wrote "Herr Brandt" for the surrogate "Lukas Brandt" of "Jürgen Weiß", so "Brandt"
    restores to "Weiß". Aliases are never used for masking and are restored only where
    their parent token was sent.
    """

    token: str
    kind: str
    value: str
    parent: str | None = None


T = TypeVar("T")
_NUMBERED = re.compile(r"\[([A-Z0-9_]+)_(\d+)\]\Z")


class PseudonymSession:
    """Mapping of one request or conversation; create one per conversation (or get it from a vault).

    Not thread-safe by itself: one event loop (or one request) at a time mutates it.
    """

    __slots__ = (
        "_by_token",
        "_by_value",
        "_cache",
        "_counters",
        "_unsaved",
        "_values",
        "conversation_id",
    )

    def __init__(self, conversation_id: str | None = None, entries: tuple[Entry, ...] = ()) -> None:
        self.conversation_id = conversation_id
        self._by_value: dict[tuple[str, str], Entry] = {}
        self._by_token: dict[str, Entry] = {}
        self._values: set[str] = set()
        self._counters: dict[str, int] = {}
        self._unsaved: list[Entry] = []
        # compiled matchers keyed by (kind of matcher, scope); emptied when the mapping grows
        self._cache: dict[Any, Any] = {}
        for e in entries:
            self._put(e)
        self._unsaved.clear()

    # --- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of pseudonyms (aliases not counted)."""
        return len(self._by_value)

    def __iter__(self) -> Iterator[Entry]:
        """Every entry, aliases included (filter on `parent is None` for the pseudonyms)."""
        return iter(self._by_token.values())

    def token_for(self, kind: str, value: str) -> str | None:
        e = self._by_value.get((kind, value))
        return e.token if e is not None else None

    def value_of(self, token: str) -> str | None:
        e = self._by_token.get(token)
        return e.value if e is not None else None

    def entry(self, token: str) -> Entry | None:
        return self._by_token.get(token)

    def has_token(self, token: str) -> bool:
        return token in self._by_token

    def has_value(self, value: str) -> bool:
        """Whether `value` is a protected value here (of any type)."""
        return value in self._values

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """A structure derived from the mapping (restore matchers), rebuilt after it grows."""
        try:
            return self._cache[key]  # type: ignore[no-any-return]
        except KeyError:
            out = self._cache[key] = build()
            return out

    # --- writing (used by Pseudonymizer and vaults) --------------------------------

    def next_number(self, kind: str) -> int:
        """The next free number for a `[KIND_n]` token (not yet reserved)."""
        return self._counters.get(kind, 0) + 1

    def skip_number(self, kind: str, n: int) -> None:
        """Mark `[KIND_n]` as used without an entry (the text already contained it)."""
        if n > self._counters.get(kind, 0):
            self._counters[kind] = n

    def add(self, kind: str, value: str, token: str, *, parent: str | None = None) -> Entry:
        """Bind `token` to (kind, value). The caller made sure the token is free."""
        if token in self._by_token:
            raise ValueError("token already bound")  # a bug in the caller, never data dependent
        e = Entry(token, kind, value, parent)
        self._put(e)
        return e

    def _put(self, e: Entry) -> None:
        if e.parent is None:
            self._by_value.setdefault((e.kind, e.value), e)
        self._by_token[e.token] = e
        self._values.add(e.value)
        self._unsaved.append(e)
        m = _NUMBERED.match(e.token)
        if m is not None:
            self.skip_number(m.group(1), int(m.group(2)))
        self._cache.clear()

    def take_unsaved(self) -> list[Entry]:
        """Entries added since the last call (vaults persist exactly these)."""
        out, self._unsaved = self._unsaved, []
        return out

    def restore_unsaved(self, entries: list[Entry]) -> None:
        """Put back entries a vault failed to persist, so a retry sends them again."""
        self._unsaved[:0] = entries
