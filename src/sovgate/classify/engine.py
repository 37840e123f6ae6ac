"""The detection engine: one immutable `Classifier`, built once per process."""

from __future__ import annotations

import functools
import re
import threading
import urllib.parse
from bisect import bisect_left
from collections.abc import Sequence
from typing import ClassVar

from sovgate.classify import _contact, _documents, _markings, _numbers, _secrets
from sovgate.classify import _cuewords as cw
from sovgate.classify._categories import category_hits
from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit
from sovgate.classify._keywords import KeywordIndex, lower_same_length
from sovgate.classify._lang import SAMPLE_CHARS, detect_language
from sovgate.classify._lexicon import LEXICON
from sovgate.classify._link import summarize_categories
from sovgate.classify._names import HONORIFICS
from sovgate.classify._normalize import normalize
from sovgate.classify._people import PeopleDetector
from sovgate.classify.custom import ALLOW, CustomDetector, allowed_keywords, compile_rules, drop_allowed
from sovgate.types import ENTITY_TYPES, Classification, CustomRule, Finding, Segment

# When two entity hits overlap, the higher priority wins (then the longer, then the higher score).
_PRIORITY: dict[str, int] = {
    "IBAN": 90,
    "EMAIL": 85,
    "CREDIT_CARD": 80,
    "NATIONAL_ID": 75,
    "IP_ADDRESS": 70,
    "DATE_OF_BIRTH": 60,
    "PHONE": 50,
    "ADDRESS": 40,
    "PERSON": 30,
}
_HAS_DIGIT = re.compile(r"\d")
# Memoized detection: up to 1,024 texts of up to 8 KB each (a few MB at most); longer texts
# are detected afresh each time rather than crowding out the many short repeated ones.
_MEMO_ENTRIES = 1024
_MEMO_TEXT_MAX = 8192
_guess_language = functools.lru_cache(maxsize=256)(detect_language)
# (kind, start, end, score, jurisdiction, detail) of one finding, without its segment index
_Found = tuple[str, int, int, float, str | None, str | None]
_TEXT_KINDS = frozenset({"text", "tool_arguments", "name"})


def _resolve(text: str, hits: list[Hit]) -> list[Hit]:
    """Drop entity hits that overlap a stronger one; keep category hits as they are."""
    ents = [h for h in hits if h.kind in _PRIORITY]
    others = [h for h in hits if h.kind not in _PRIORITY]
    ents.sort(key=lambda h: (-_PRIORITY[h.kind], -(h.end - h.start), -h.score))
    kept: list[Hit] = []
    k_starts: list[int] = []  # kept hits never overlap: keep them sorted, check neighbours only
    for h in ents:
        i = bisect_left(k_starts, h.start)
        clash = [
            k for k in kept[max(0, i - 1) : i + 1] if h.start < k.end and k.start < h.end
        ] or _clash_scan(kept, k_starts, h, i)
        if clash and h.kind == "ADDRESS":
            # an address line that runs into a phone number or ID: keep the part before it
            cut = min(k.start for k in clash)
            if cut - h.start >= 8 and all(k.start > h.start for k in clash):
                end = cut
                while end > h.start and not text[end - 1].isalnum():
                    end -= 1
                h = h._replace(end=end)
                i = bisect_left(k_starts, h.start)
                clash = [k for k in kept[max(0, i - 1) : i + 1] if h.start < k.end and k.start < h.end]
        if clash:
            continue
        kept.insert(i, h)
        k_starts.insert(i, h.start)
    seen: set[tuple[str, int, int]] = set()
    uniq: list[Hit] = []
    for h in others:
        key = (h.kind, h.start, h.end)
        if key not in seen:
            seen.add(key)
            uniq.append(h)
    out = kept + uniq
    out.sort(key=lambda h: (h.start, h.end))
    return out


def _id_cue_table(cues: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The keyword pass's ID kinds: "id|DE" for a word one country uses, "id|NO,SE" for one that
    several do ("personnummer"), "id|" for one that points to no country (or to any)."""
    countries: dict[str, list[str]] = {}
    for country, words in cues.items():
        for word in words:
            countries.setdefault(word, []).append(country)
    table: dict[str, list[str]] = {}
    for word, cs in countries.items():
        kind = "id|" if "" in cs else "id|" + ",".join(sorted(cs))
        table.setdefault(kind, []).append(word)
    return {kind: tuple(words) for kind, words in table.items()}


def _lang_code(lang: str | None) -> str | None:
    """ "de-DE", "DE", "de_AT" -> "de"."""
    if not lang:
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] or None


def _clash_scan(kept: list[Hit], k_starts: list[int], h: Hit, i: int) -> list[Hit]:
    """Kept hits starting inside h (h may cover several of them)."""
    out = []
    while i < len(kept) and k_starts[i] < h.end:
        out.append(kept[i])
        i += 1
    return out


class Classifier:
    """Finds personal data, special categories, secrets and classification markings.

    Everything is compiled in `__init__`; afterwards the instance holds no mutable
    state and is safe to share across threads and requests.
    """

    _default: ClassVar[Classifier | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, custom: Sequence[CustomRule] = (), allow: Sequence[str] = ()) -> None:
        # the organization's own detectors and allowed terms (gateway.detection): their terms join
        # the keyword pass below; ValueError for one that cannot work (the config loader says which)
        self._custom: CustomDetector | None = compile_rules(custom)
        allowed = allowed_keywords(allow)
        self._allow = bool(allowed)
        table: dict[str, tuple[str, ...]] = _id_cue_table(cw.ID_CUES)
        table.update({f"cat|{cat}": terms for cat, terms in LEXICON.items()})
        table.update(
            not_id=cw.NOT_ID_CUES,
            phone=cw.PHONE_CUES,
            card=cw.CARD_CUES,
            doc=cw.DOCUMENT_CUES,
            dob=cw.DOB_CUES,
            addr_label=cw.ADDRESS_LABELS,
            street=cw.STREET_TRIGGERS,
            name_label=cw.NAME_LABELS,
            name_phrase=cw.NAME_PHRASES,
            honor=tuple(h for h in HONORIFICS if len(h) > 1),
            version=cw.VERSION_CUES,
            ip=cw.IP_CUES,
            marking=cw.MARKING_TRIGGERS,
            secret=cw.SECRET_TRIGGERS,
            assign=cw.ASSIGN_TRIGGERS,
        )
        if self._custom is not None:
            table.update(self._custom.keywords())
        table.update(allowed)
        self._keywords = KeywordIndex(table)
        self._people = PeopleDetector()
        # Requests repeat text verbatim: the system prompt and few-shot examples in every request,
        # the whole conversation so far in every turn. Detection is a pure function of (text,
        # language), so repeated segments are found once (lru_cache is thread-safe).
        self._found = functools.lru_cache(maxsize=_MEMO_ENTRIES)(self._find)

    @classmethod
    def default(cls) -> Classifier:
        """The process-wide instance (built on first use)."""
        if cls._default is None:
            with cls._lock:
                if cls._default is None:
                    cls._default = cls()
        return cls._default

    def clear_memo(self) -> None:
        """Forget the memoized detections, for measuring detection itself (bench/pii/micro.py)."""
        self._found.cache_clear()

    @property
    def ner_available(self) -> bool:
        """No statistical NER model is used; names come from lexicons and context rules."""
        return False

    # --- detection ---------------------------------------------------------

    def _hits(self, text: str, lang: str | None) -> list[Hit]:
        low = lower_same_length(text)
        cues = Cues(text, low, self._keywords.scan(low))
        hits: list[Hit] = []
        if _HAS_DIGIT.search(text) is not None:
            hits.extend(_numbers.iban_hits(text))
            ibans = [(h.start, h.end) for h in hits]  # the strongest kind: nothing overlapping them stays
            hits.extend(_numbers.number_hits(text, lang, cues, ibans))
            hits.extend(_numbers.alnum_id_hits(text, lang, cues, ibans))
            hits.extend(_contact.ip_hits(text, cues))
            hits.extend(self._people.dates(text, cues))
            if cues.has(_documents.CUE):
                hits.extend(_documents.document_hits(text, cues))
            # phone parsing is the costliest check: skip spans already claimed by stronger types
            claimed = [(h.start, h.end) for h in hits]
            hits.extend(_contact.phone_hits(text, lang, cues, claimed))
        hits.extend(_contact.email_hits(text))
        hits.extend(self._people.hits(text, lang, cues))
        hits.extend(_secrets.secret_hits(text, cues))
        if cues.has("marking"):
            hits.extend(_markings.marking_hits(text))
        hits.extend(category_hits(text, cues))
        if self._allow and cues.has(ALLOW):
            hits = drop_allowed(hits, cues)  # the built-in ones only: custom rules say what they mean
        if self._custom is not None:
            hits.extend(self._custom.hits(text, cues))
        return _resolve(text, hits)

    def detect(self, text: str, lang: str | None = None, *, segment: int = 0) -> list[Finding]:
        """All findings in `text`, with offsets into `text` itself."""
        if not text:
            return []
        lang = _lang_code(lang) or detect_language(normalize(text).text)
        found = self._found(text, lang) if len(text) <= _MEMO_TEXT_MAX else self._find(text, lang)
        return [Finding(k, s, e, score, j, segment, d) for k, s, e, score, j, d in found]

    def _find(self, text: str, lang: str) -> tuple[_Found, ...]:
        norm = normalize(text)
        out = []
        for h in self._hits(norm.text, lang):
            s, e = norm.span(h.start, h.end)
            out.append((h.kind, s, e, round(h.score, 3), h.jurisdiction, h.detail))
        return tuple(out)

    def classify(self, segments: Sequence[Segment], lang: str | None = None) -> Classification:
        """Findings for every inspectable segment of a request, plus the category summary."""
        lang = _lang_code(lang)
        if lang is None:
            # the guess reads the first SAMPLE_CHARS: a long system prompt decides it alone (memo)
            sample = " ".join(s.text for s in segments if s.kind in _TEXT_KINDS)[:SAMPLE_CHARS]
            lang = _guess_language(sample) if sample.strip() else None
        findings: list[Finding] = []
        for i, seg in enumerate(segments):
            if seg.kind in _TEXT_KINDS:
                findings.extend(self.detect(seg.text, lang, segment=i))
            elif seg.kind == "image_url":
                findings.extend(self._image_url(seg.text, lang, i))
            elif seg.kind == "file" and seg.text:  # a file part's name; its bytes are never read
                findings.extend(self.detect(seg.text, lang, segment=i))
        cats = summarize_categories(findings)
        return Classification(tuple(findings), cats, (lang,) if lang else ())

    def _image_url(self, url: str, lang: str | None, index: int) -> list[Finding]:
        """Only what a URL carries in the clear: a text data: payload, or the path and query
        (an e-mail or token in ".../jonas.weber@beispiel.de/scan.png?key=..."); never image bytes."""
        if url.startswith("data:"):
            head, _, payload = url.partition(",")
            if ";base64" in head or not head.startswith("data:text"):
                return []
            base, text = len(head) + 1, payload
        else:
            scheme_end = url.find("://")
            path_start = url.find("/", scheme_end + 3) if scheme_end >= 0 else 0
            if path_start < 0:
                return []
            base, text = path_start, url[path_start:]
        found = [f for f in self.detect(text, lang, segment=index) if f.kind in _URL_KINDS]
        if "%" in text:
            # percent-encoded values: detect on the decoded text, report the whole encoded part
            decoded = urllib.parse.unquote(text)
            if decoded != text:
                found += [
                    Finding(f.kind, 0, len(text), f.score, f.jurisdiction, index, f.detail)
                    for f in self.detect(decoded, lang, segment=index)
                    if f.kind in _URL_KINDS
                ]
        return [
            Finding(f.kind, f.start + base, f.end + base, f.score, f.jurisdiction, f.segment, f.detail)
            for f in found
        ]


_URL_KINDS = frozenset(ENTITY_TYPES) | {"SECRET"}
