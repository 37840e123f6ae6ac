"""Per-text index of context cues found by the keyword pass.

Detectors ask "is there an ID keyword within 60 characters before this number?" many
times per text. The keyword pass (one Aho-Corasick scan) finds every cue once; the
questions are then answered with a binary search.
"""

from __future__ import annotations

from bisect import bisect_right

from sovgate.classify._keywords import KeywordHit


class Cues:
    __slots__ = ("_by_kind", "low", "text")

    def __init__(self, text: str, low: str, hits: list[KeywordHit]) -> None:
        self.text = text
        self.low = low
        by_kind: dict[str, tuple[list[int], list[KeywordHit]]] = {}
        for h in sorted(hits, key=lambda h: h.end):
            # "id|DE": kind "id" carrying a detail (here the country the keyword points to)
            ends, lst = by_kind.setdefault(h.kind.partition("|")[0], ([], []))
            ends.append(h.end)
            lst.append(h)
        self._by_kind = by_kind

    def has(self, kind: str) -> bool:
        return kind in self._by_kind

    def all(self, kind: str) -> list[KeywordHit]:
        got = self._by_kind.get(kind)
        return got[1] if got else []

    def before(self, kind: str, pos: int, window: int) -> KeywordHit | None:
        """The last `kind` cue ending at or before `pos` and starting within `window` of it."""
        got = self._by_kind.get(kind)
        if got is None:
            return None
        ends, hits = got
        i = bisect_right(ends, pos) - 1
        while i >= 0:
            h = hits[i]
            if h.start >= pos - window:
                return h
            if ends[i] < pos - window:
                return None
            i -= 1
        return None
