"""One Aho-Corasick pass over the lower-cased text finds every keyword of every kind.

Keyword syntax (lower case):
  "word"    whole word
  "stem*"   word start, any continuation ("diagnos*" -> diagnosis, diagnostiziert)
  "*suffix" word end, any beginning (compound street names: "*straße" -> Löchelstraße)
  "*sub*"   anywhere
Multi-word keywords are written with single spaces and match single spaces.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import ahocorasick
import ahocorasick_rs

from sovgate.classify import _latin1


class KeywordHit(NamedTuple):
    kind: str
    start: int
    end: int


def _is_word(c: str) -> bool:
    # CJK scripts have no spaces: their characters never extend or glue words here
    return (c.isalnum() or c == "_") and c < "\u3000"


# the characters _is_word accepts, as a run: \w below the CJK blocks
_WORD_RUN = re.compile("[^\\W\u3000-\U0010ffff]*")


# (kind, open at the start, open at the end) of one keyword entry
_Entry = tuple[str, bool, bool]
# For Latin-1 text, word boundaries are baked into one more automaton: its keys carry a NUL where
# the entry needs a boundary, and the text is mapped to the same alphabet (word characters kept,
# every other character a NUL, a NUL padding either end). The automaton then reports only the
# matches that become hits (a third of the raw ones: "st" in "first" never surfaces).
_BAKE = bytes(i if (chr(i).isalnum() or i == 0x5F) else 0 for i in range(256))
# (the key where the text must be checked, else None; its length; 1 if a NUL closes it, else 0;
# kind; open at the end; entry order) of one entry in the baked automaton
_Baked = tuple[str | None, int, int, str, bool, int]
# (key, open at the start, open at the end, kind, entry order) of a key without word characters
_Unbaked = tuple[str, bool, bool, str, int]
# (length, entries, CJK start, CJK end, closed start, closed end) of one automaton key
_Value = tuple[int, tuple[_Entry, ...], bool, bool, bool, bool]
# Latin script up to Latin Extended-B: keys that start with one of these go to the Latin automaton
_OTHER = "\u0250"


def _script(key: str) -> str:
    """ "" for a key that starts with a Latin character (or any below U+0250), else the script
    of its first character ("CJK", "ARABIC", "CYRILLIC")."""
    return unicodedata.name(key[0], "?").split()[0] if key[0] >= _OTHER else ""


def _first_chars(keys: Iterable[str]) -> re.Pattern[str]:
    """A class of the keys' first characters: none of the keys can match where none occurs."""
    firsts = "".join(sorted({k[0] for k in keys}))
    return re.compile("[" + re.escape(firsts) + "]" if firsts else "(?!)")  # no keys: never


def _automaton(keys: Mapping[str, tuple[_Entry, ...]]) -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for key, es in keys.items():
        # a CJK keyword needs no boundary on its CJK side: "电话13912345678", "患者王芳"
        cjk_start, cjk_end = key[0] >= "\u3000", key[-1] >= "\u3000"
        # most raw matches sit inside longer words ("at" in "that"): when no entry of the key
        # may start (end) inside a word, such a match is dropped before looking at entries
        closed_start = not cjk_start and not any(open_start for _, open_start, _ in es)
        closed_end = not cjk_end and not any(open_end for _, _, open_end in es)
        auto.add_word(key, (len(key), es, cjk_start, cjk_end, closed_start, closed_end))
    auto.make_automaton()
    return auto


def _baked_automaton(
    keys: Mapping[str, tuple[_Entry, ...]],
) -> tuple[_BakedAutomaton, tuple[_Unbaked, ...]]:
    """The keys of Latin-1 characters, one per entry, boundaries baked in as NULs (see _BAKE);
    and apart, the entries of keys without a word character (`://`): baked, they would be all
    NULs and match every run of punctuation and blanks, so they are found with `str.find`."""
    baked: dict[str, list[_Baked]] = {}
    unbaked: list[_Unbaked] = []
    for key, es in keys.items():
        fk = _bake(key)
        if fk is None:
            continue  # a word character beyond Latin-1: only in texts that go to _scan_raw
        for order, (kind, open_start, open_end) in enumerate(es):
            if not fk.strip("\x00"):
                unbaked.append((key, open_start, open_end, kind, order))
                continue
            lead, trail = ("" if open_start else "\x00"), ("" if open_end else "\x00")
            verify = key if fk != key else None  # punctuation or spaces bake to NUL: check the text
            entry = (verify, len(key), len(trail), kind, open_end, order)
            baked.setdefault(lead + fk + trail, []).append(entry)
    baked_keys = list(baked)
    # ahocorasick-rs (Rust): its search takes about half of pyahocorasick's instructions per
    # character. A contiguous NFA, not its DFA: the DFA counts fewer instructions still but holds
    # ~6 MB more tables, which cost more time than they save once the rest of a request has
    # evicted them from the CPU caches (docs/performance-history.md)
    search = ahocorasick_rs.BytesAhoCorasick(
        [k.encode("latin-1") for k in baked_keys],
        implementation=ahocorasick_rs.Implementation.ContiguousNFA,
    )
    return _BakedAutomaton(search, tuple(tuple(baked[k]) for k in baked_keys)), tuple(unbaked)


def _bakes(c: str) -> bool:
    """Whether a character beyond Latin-1 goes through the baked automaton as a NUL: no word
    character, and not of the CJK blocks, beside which keys need no boundary (see _automaton)."""
    return c < "\u3000" and not _is_word(c)


def _bake(text: str) -> str | None:
    """`text` in the baked alphabet (_BAKE; "’", "–" and the other characters beyond Latin-1
    that `_bakes` become a NUL too); None if it holds another character beyond Latin-1."""
    try:
        return text.encode("latin-1").translate(_BAKE).decode("latin-1")
    except UnicodeEncodeError:
        if not all(_bakes(c) for c in text if c > "\xff"):
            return None
        return text.encode("latin-1", "replace").translate(_BAKE).decode("latin-1")  # "?" -> NUL


class _BakedAutomaton(NamedTuple):
    """The baked keys' automaton and, by key index, their entries."""

    search: ahocorasick_rs.BytesAhoCorasick
    entries: tuple[tuple[_Baked, ...], ...]

    def iter(self, mapped: bytes) -> list[tuple[int, tuple[_Baked, ...]]]:
        """(index of the last byte, entries) of every match, overlapping ones included."""
        entries = self.entries
        return [(end - 1, entries[i]) for i, _, end in self.search.find_matches_as_indexes(mapped, True)]


def _by_end_longest_first(match: tuple[int, _Value]) -> tuple[int, int]:
    # the order one automaton reports: by end, and at one end the longer key first
    return match[0], -match[1][0]


class KeywordIndex:
    """Immutable after construction; `scan` is safe to call from many threads."""

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        entries: dict[str, list[_Entry]] = {}
        for kind, words in table.items():
            for raw in words:
                open_start = raw.startswith("*")
                open_end = raw.endswith("*")
                key = raw.strip("*")
                if not key:
                    continue
                e = (kind, open_start, open_end)
                lst = entries.setdefault(key, [])
                if e not in lst:
                    lst.append(e)
        # One automaton per script of the keys' first characters: an automaton's speed falls with
        # the number of distinct first characters (its root's children), and a Latin text never
        # needs the CJK, Cyrillic or Arabic keywords. A script's automaton runs only when the text
        # holds one of its keys' first characters (typographic quotes and dashes start none).
        by_script: dict[str, dict[str, tuple[_Entry, ...]]] = {}
        for key, es in entries.items():
            by_script.setdefault(_script(key), {})[key] = tuple(es)
        latin = by_script.pop("", {})
        self._latin = _automaton(latin)
        self._scripts = tuple((_first_chars(keys), _automaton(keys)) for _, keys in sorted(by_script.items()))
        self._any_other = _first_chars(k for keys in by_script.values() for k in keys)
        self._other_firsts = frozenset(k[0] for keys in by_script.values() for k in keys)
        self._baked, self._unbaked = _baked_automaton(latin)

    def _raw(self, low: str) -> Iterable[tuple[int, _Value]]:
        """The automata's matches as (end index, value), ordered by end, longest first."""
        if not self._scripts or self._any_other.search(low) is None:
            return self._latin.iter(low)
        parts = [list(auto.iter(low)) for rx, auto in self._scripts if rx.search(low) is not None]
        if not parts:
            return self._latin.iter(low)
        parts.append(list(self._latin.iter(low)))
        return sorted(itertools.chain.from_iterable(parts), key=_by_end_longest_first)

    def scan(self, low: str) -> list[KeywordHit]:
        """All keyword hits in `low` (a same-length lower-cased text), ordered by end."""
        try:
            mapped_b = ("\x00" + low + "\x00").encode("latin-1").translate(_BAKE)
        except UnicodeEncodeError:
            # Beyond Latin-1 only characters that `_bakes` (quotes, dashes, "€") and that start
            # no other script's key: each bakes to a NUL as a blank would, and the keys holding
            # one ("i’m") are checked against the text.
            beyond = set(_latin1.BEYOND.findall(low))
            if not all(_bakes(c) and c not in self._other_firsts for c in beyond):
                return self._scan_raw(low)
            mapped_b = ("\x00" + low + "\x00").encode("latin-1", "replace").translate(_BAKE)
        mapped = mapped_b.decode("latin-1")
        found: list[tuple[int, int, int, KeywordHit]] = []
        for last, cands in self._baked.iter(mapped_b):
            # `last` indexes `mapped` (one ahead of `low`); a closed end's NUL is part of the match
            for key, klen, trail, kind, open_end, order in cands:
                end = last - trail
                start = end - klen
                if key is not None and low[start:end] != key:
                    continue  # "st," where the key is "st.": both bake to "st\x00"
                e = end
                if open_end and mapped[end + 1] != "\x00":  # the stem runs on to the end of its word
                    e = _WORD_RUN.match(low, end).end()  # type: ignore[union-attr]
                found.append((end, -klen, order, KeywordHit(kind, start, e)))
        for key, open_start, open_end, kind, order in self._unbaked:
            start = low.find(key)
            while start != -1:
                end = start + len(key)
                # the baked boundaries: `mapped[i + 1]` is NUL where low[i] is no word character
                if (open_start or mapped[start] == "\x00") and (open_end or mapped[end + 1] == "\x00"):
                    e = end
                    if open_end and mapped[end + 1] != "\x00":
                        e = _WORD_RUN.match(low, end).end()  # type: ignore[union-attr]
                    found.append((end, -len(key), order, KeywordHit(kind, start, e)))
                start = low.find(key, start + 1)
        # the order `_scan_raw` gives: by end of the key, longer keys first, entries in table order
        found.sort()
        return [f[3] for f in found]

    def _scan_raw(self, low: str) -> list[KeywordHit]:
        """`scan` for any text: the automata's raw matches, boundaries checked per match."""
        return scan_raw_matches(self._raw(low), low)


def scan_raw_matches(raw: Iterable[tuple[int, _Value]], low: str) -> list[KeywordHit]:
    """The keyword hits among an automaton's raw matches (end index, value) in `low`: those
    whose boundaries hold."""
    out: list[KeywordHit] = []
    n = len(low)
    for end_idx, (klen, es, cjk_start, cjk_end, closed_start, closed_end) in raw:
        end = end_idx + 1
        start = end - klen
        left_word = not cjk_start and start > 0 and _is_word(low[start - 1])
        if left_word and closed_start:
            continue
        right_word = not cjk_end and end < n and _is_word(low[end])
        if right_word and closed_end:
            continue
        for kind, open_start, open_end in es:
            if left_word and not open_start:
                continue
            if open_end:  # the stem runs on to the end of its word
                e = _WORD_RUN.match(low, end).end() if right_word else end  # type: ignore[union-attr]
                out.append(KeywordHit(kind, start, e))
            elif not right_word:
                out.append(KeywordHit(kind, start, end))
    return out


def lower_same_length(text: str) -> str:
    """`text` lower-cased, character for character (offsets stay valid): a character whose lower
    case is longer ("İ" -> "i̇") is kept as it is."""
    if not text.isascii():  # str.lower() would look up each non-ASCII character's case mapping
        try:
            return text.encode("latin-1").translate(_latin1.LOWER).decode("latin-1")
        except UnicodeEncodeError:
            pass
    low = text.lower()
    if len(low) == len(text) and "Σ" not in text:
        return low
    # per character, also for "Σ": str.lower() writes a word-final one as "ς", the compiled
    # str.lower() of mypyc as "σ"; lowered alone it is "σ" in both builds
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
