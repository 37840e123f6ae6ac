"""Replace the spans a provider must not see with tokens, recording them in the session."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import msgspec

from sovgate.messages import replace_segments
from sovgate.protect._json_text import JsonText
from sovgate.protect._literals import Literals
from sovgate.protect._surrogates import surrogate
from sovgate.protect._text import is_word
from sovgate.protect.errors import ProtectionError
from sovgate.protect.restore import json_escape
from sovgate.protect.session import PseudonymSession
from sovgate.types import Finding, Segment

Style = Literal["placeholder", "surrogate"]

# Segment kinds whose text can be rewritten; the others are refused when they hold a span.
_REWRITABLE = frozenset({"text", "tool_arguments", "name"})
_UNSAFE_LABEL = re.compile(r"[^A-Z0-9_]")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")
_SURROGATE_TRIES = 20


class ProtectionReport(msgspec.Struct, frozen=True):
    """What one `protect` call masked, by entity type (never values): for the audit record.

    `masked`: occurrences replaced per type; `distinct`: distinct values per type;
    `tokens`: the tokens the upstream received (pass as `scope` when restoring, so a
    token the upstream never saw is never restored).
    """

    masked: dict[str, int] = {}
    distinct: dict[str, int] = {}
    tokens: frozenset[str] = frozenset()
    style: str = "placeholder"

    @property
    def total(self) -> int:
        return sum(self.masked.values())


# (start, end, kind, jurisdiction) of one span inside a segment's text
_Span = tuple[int, int, str, str | None]
# (start, end, value, quoted, kind, jurisdiction) of one piece to replace by a token
_Piece = tuple[int, int, str, bool, str, str | None]


class Pseudonymizer:
    """Masks spans with typed placeholders (`[PERSON_1]`) or realistic surrogates.

    Build once and share; `protect` is a pure function of its arguments except for the
    session it extends. `seed` makes surrogates reproducible (tests, demos).
    """

    def __init__(self, style: Style = "placeholder", *, seed: int | None = None) -> None:
        if style not in ("placeholder", "surrogate"):
            raise ValueError(f"style must be 'placeholder' or 'surrogate', not {style!r}")
        self.style: Style = style
        self._rng = random.Random(seed)

    def protect(
        self,
        body: dict[str, Any],
        segments: Sequence[Segment],
        findings: Iterable[Finding],
        types: Iterable[str],
        session: PseudonymSession,
    ) -> tuple[dict[str, Any], ProtectionReport]:
        """Return a copy of `body` with every span of a type in `types` replaced by its token.

        Spans come from `findings` (offsets into `segments[f.segment].text`); values the
        session already knows (earlier turns, other messages) are masked wherever they
        occur even where classification missed them. Raises `ProtectionError` when a span
        cannot be masked (inside an image URL, file or audio part, token ids as embeddings input
        or completion prompt).
        """
        types = frozenset(types)
        if not types:
            return body, ProtectionReport(style=self.style)
        _refuse_token_ids(body, types)
        spans = _finding_spans(segments, findings, types)
        jsons: dict[int, JsonText | None] = {}

        def json_of(i: int) -> JsonText | None:
            if i not in jsons:
                jsons[i] = _json_text(segments[i])
            return jsons[i]

        pieces = {i: _pieces(segments[i].text, json_of(i), _merge(ss)) for i, ss in spans.items()}
        # values found this time plus those known from earlier turns, masked everywhere
        known = {e.value: e.kind for e in session if e.kind in types and e.parent is None}
        for ps in pieces.values():
            for piece in ps:
                known.setdefault(piece[2], piece[4])
        if known:
            for i, hits in _sweep(segments, known, json_of).items():
                if i in pieces and _covered(hits, pieces[i]):
                    continue  # the classifier found these already: keep its pieces
                spans.setdefault(i, []).extend(hits)
                pieces[i] = _pieces(segments[i].text, json_of(i), _merge(spans[i]))
        if not pieces:
            return body, ProtectionReport(style=self.style)

        request_text = "\x00".join(s.text for s in segments)
        glued = _glued(segments, pieces) if self.style == "surrogate" else set()
        # full names of this request and of the conversation, for "Frau Schmidt" after "Anna Schmidt"
        full_names = _full_names(session, pieces) if self.style == "placeholder" else {}
        masked: dict[str, int] = {}
        tokens: set[str] = set()
        replacements: dict[tuple[str | int, ...], str] = {}
        for i in sorted(pieces):
            seg = segments[i]
            text = seg.text
            out: list[str] = []
            last = 0
            for start, end, value, quoted, kind, juris in pieces[i]:
                token = (
                    session.token_for(kind, value)
                    or self._name_part_token(session, value, full_names, request_text)
                    or self._new_token(session, kind, value, juris, request_text, (kind, value) not in glued)
                )
                tokens.add(token)
                masked[kind] = masked.get(kind, 0) + 1
                out.append(text[last:start])
                out.append(_render(token, seg.kind, quoted, json_of(i) is not None))
                last = end
            out.append(text[last:])
            replacements[seg.path] = "".join(out)
        try:
            new_body = replace_segments(body, replacements)
        except (KeyError, IndexError, TypeError) as exc:
            raise ProtectionError(
                "the segments given to protect do not belong to this request body; "
                "pass extract_segments(body) of the same body"
            ) from exc
        distinct: dict[str, int] = {}
        for t in tokens:
            e = session.entry(t)
            if e is not None:
                distinct[e.kind] = distinct.get(e.kind, 0) + 1
        return new_body, ProtectionReport(masked, distinct, frozenset(tokens), self.style)

    def _name_part_token(
        self, session: PseudonymSession, value: str, full_names: dict[str, list[str]], request_text: str
    ) -> str | None:
        """`[PERSON_1_LAST]` for "Schmidt" alone when "Anna Schmidt" is `[PERSON_1]` (or will be, later
        in this request): the model then knows it is the same person. None when the word is no part
        of exactly one full name, or the full name has no numbered placeholder."""
        owners = full_names.get(value)
        if not owners or len(owners) != 1:
            return None  # not a name part, or "Schmidt" of both Anna and Peter Schmidt
        full = owners[0]
        parent = session.token_for("PERSON", full) or self._new_token(
            session, "PERSON", full, None, request_text, True
        )
        if not parent.endswith("]"):
            return None
        part = "LAST" if full.split()[-1] == value else "FIRST"
        token = f"{parent[:-1]}_{part}]"
        if session.has_token(token) or token in request_text:
            return None
        session.add("PERSON", value, token)
        return token

    def _new_token(
        self,
        session: PseudonymSession,
        kind: str,
        value: str,
        juris: str | None,
        request_text: str,
        surrogate_ok: bool,
    ) -> str:
        if self.style == "surrogate" and surrogate_ok:
            for _ in range(_SURROGATE_TRIES):
                cand = surrogate(kind, value, juris, self._rng)
                # never a token in use, a real value of this conversation, or text of the request
                if (
                    cand
                    and not session.has_token(cand)
                    and not session.has_value(cand)
                    and cand != value
                    and cand not in request_text
                ):
                    session.add(kind, value, cand)
                    if kind == "PERSON":
                        _name_aliases(session, value, cand, request_text)
                    return cand
            # no fresh surrogate of that shape: a placeholder is always available
        label = _UNSAFE_LABEL.sub("_", kind.upper()) or "PII"
        n = session.next_number(label)
        while True:
            token = f"[{label}_{n}]"
            # never reuse a token the client itself wrote, or restoring would rewrite it
            if not session.has_token(token) and token not in request_text:
                session.add(kind, value, token)
                return token
            session.skip_number(label, n)
            n += 1


def _full_names(session: PseudonymSession, pieces: dict[int, list[_Piece]]) -> dict[str, list[str]]:
    """First and last word -> the distinct multi-word PERSON values holding it."""
    names = {e.value for e in session if e.kind == "PERSON" and e.parent is None}
    names.update(p[2] for ps in pieces.values() for p in ps if p[4] == "PERSON")
    out: dict[str, list[str]] = {}
    for name in sorted(names):
        words = name.split()
        if len(words) >= 2:
            for w in {words[0], words[-1]}:
                out.setdefault(w, []).append(name)
    return out


def _glued(segments: Sequence[Segment], pieces: dict[int, list[_Piece]]) -> set[tuple[str, str]]:
    """Values with an occurrence inside a word ("Annabelle", "\\nAnna" in JSON).

    A surrogate there would run into its neighbours and could not be found again on
    the way back (surrogates match whole words only): such values get a placeholder.
    """
    out: set[tuple[str, str]] = set()
    for i, ps in pieces.items():
        text = segments[i].text
        for start, end, value, quoted, kind, _ in ps:
            if not quoted and (
                (start > 0 and is_word(text[start - 1])) or (end < len(text) and is_word(text[end]))
            ):
                out.add((kind, value))
    return out


def _name_aliases(session: PseudonymSession, value: str, cand: str, request_text: str) -> None:
    """Let "Herr Brandt" or "Lukas" alone restore too, where that part is unambiguous."""
    real, fake = value.split(), cand.split()
    if len(real) < 2 or len(fake) != 2:
        return
    for alias, original in ((fake[0], real[0]), (fake[-1], real[-1])):
        if (
            len(alias) >= 3
            and alias != original
            and not session.has_token(alias)
            and not session.has_value(alias)
            and alias not in request_text
        ):
            session.add("PERSON", original, alias, parent=cand)


def _json_text(seg: Segment) -> JsonText | None:
    # tool arguments, and tool results or messages that are JSON documents: mask the
    # decoded values (so they match the same value elsewhere) and keep the JSON valid
    if seg.kind == "tool_arguments" or (seg.kind == "text" and seg.text.lstrip()[:1] in ("{", "[")):
        return JsonText.parse(seg.text)
    return None


def _render(token: str, seg_kind: str, quoted: bool, in_json: bool) -> str:
    if seg_kind == "name":  # OpenAI message names allow [A-Za-z0-9_-] only
        return _UNSAFE_NAME.sub("", token.replace(" ", "_")) or "masked"
    if quoted:
        return json.dumps(token, ensure_ascii=False)
    return json_escape(token) if in_json else token


def _refuse_token_ids(body: dict[str, Any], types: frozenset[str]) -> None:
    for key, what in (("input", "embeddings input"), ("prompt", "a text completion's prompt")):
        value = body.get(key)
        if isinstance(value, list) and value and any(isinstance(x, (int, list)) for x in value):
            raise ProtectionError(
                f"{what} given as token ids cannot be inspected or pseudonymized, but this "
                f"provider must not see {', '.join(sorted(types))} in the clear: send the {key} as "
                "text, or allow a provider that may see it",
                path=(key,),
            )


def _finding_spans(
    segments: Sequence[Segment], findings: Iterable[Finding], types: frozenset[str]
) -> dict[int, list[_Span]]:
    spans: dict[int, list[_Span]] = {}
    for f in findings:
        if f.kind not in types:
            continue
        if not 0 <= f.segment < len(segments):
            raise ProtectionError(
                f"a {f.kind} finding points to segment {f.segment}, but the request has "
                f"{len(segments)} segments: classify and protect must get the same segments",
                kind=f.kind,
            )
        seg = segments[f.segment]
        if seg.kind not in _REWRITABLE:
            where = "/".join(map(str, seg.path))
            raise ProtectionError(
                f"{f.kind} found in the {seg.kind} part at {where} cannot be pseudonymized "
                "(it would break the "
                + ("URL" if seg.kind == "image_url" else "attachment")
                + "): remove it from that part, or allow a provider that may see it in the clear",
                path=seg.path,
                kind=f.kind,
            )
        if not 0 <= f.start < f.end <= len(seg.text):
            raise ProtectionError(
                f"a {f.kind} finding has offsets {f.start}..{f.end} outside its segment "
                f"(length {len(seg.text)}): classify and protect must get the same segments",
                path=seg.path,
                kind=f.kind,
            )
        spans.setdefault(f.segment, []).append((f.start, f.end, f.kind, f.jurisdiction))
    return spans


def _merge(spans: list[_Span]) -> list[_Span]:
    """Union of overlapping or touching spans; the merged span takes the type of its longest part.

    Touching spans are one value: two tokens glued together would read as one word.
    """
    out: list[_Span] = []
    best = 0
    for s in sorted(spans, key=lambda s: (s[0], s[1])):  # jurisdictions may be None
        if out and s[0] <= out[-1][1]:
            a, b, kind, juris = out[-1]
            if s[1] - s[0] > best:
                kind, juris, best = s[2], s[3], s[1] - s[0]
            out[-1] = (a, max(b, s[1]), kind, juris)
        else:
            out.append(s)
            best = s[1] - s[0]
    return out


def _pieces(text: str, jt: JsonText | None, spans: list[_Span]) -> list[_Piece]:
    """Each maskable piece of the merged spans, in order."""
    raw: list[_Piece] = []
    for start, end, kind, juris in spans:
        if jt is None:
            raw.append((start, end, text[start:end], False, kind, juris))
        else:
            raw += [(p.start, p.end, p.value, p.quoted, kind, juris) for p in jt.pieces(start, end)]
    if jt is not None:
        raw = _join(jt, raw)
    out: list[_Piece] = []
    for a, b, value, quoted, kind, juris in raw:
        if not quoted:  # trim surrounding spaces so "Anna " and "Anna" are one value
            chunk = text[a:b]
            a += len(chunk) - len(chunk.lstrip())
            b -= len(chunk) - len(chunk.rstrip())
            if a >= b:
                continue
            if b - a != len(chunk):
                value = text[a:b] if jt is None else json.loads('"' + text[a:b] + '"')
        out.append((a, b, value, quoted, kind, juris))
    return out


def _join(jt: JsonText, pieces: list[_Piece]) -> list[_Piece]:
    """Unite JSON pieces that overlap or touch (widened escapes, one scalar hit twice)."""
    out: list[_Piece] = []
    for p in sorted(pieces, key=lambda p: (p[0], -p[1])):
        if out and p[0] <= out[-1][1]:  # always inside one atom: atoms never touch
            prev = out[-1]
            kind, juris = (prev[4], prev[5]) if prev[1] - prev[0] >= p[1] - p[0] else (p[4], p[5])
            q = jt.joined(prev[0], max(prev[1], p[1]))
            out[-1] = (q.start, q.end, q.value, q.quoted, kind, juris)
        else:
            out.append(p)
    return out


def _sweep(
    segments: Sequence[Segment], known: dict[str, str], json_of: Callable[[int], JsonText | None]
) -> dict[int, list[_Span]]:
    """Spans wherever a known value occurs, per rewritable segment (overlaps included)."""
    plain_forms = {v: k for v, k in known.items() if v.strip()}
    # A name found once is also masked where it is repeated in capitals or lower case
    # ("Anna Becker" ... "ANNA BECKER"); single words are left alone ("Rose" vs "rose").
    for v, k in list(plain_forms.items()):
        if k == "PERSON" and " " in v.strip():
            plain_forms.setdefault(v.upper(), k)
            plain_forms.setdefault(v.lower(), k)
    plain = Literals(plain_forms)
    json_forms: dict[str, str] = {}
    in_json: Literals | None = None  # built for the first JSON segment (tool arguments), if any
    out: dict[int, list[_Span]] = {}
    for i, seg in enumerate(segments):
        if seg.kind not in _REWRITABLE or not seg.text:
            continue
        jt = json_of(i)
        lits, forms = plain, plain_forms
        if jt is not None:
            if in_json is None:
                for v, k in plain_forms.items():
                    json_forms.setdefault(json_escape(v), k)
                    json_forms.setdefault(json.dumps(v)[1:-1], k)
                in_json = Literals(json_forms)
            lits, forms = in_json, json_forms
        hits: list[_Span] = [
            (start, end, forms[form], None)
            for start, end, form in lits.all(seg.text)
            if jt is None or jt.aligned(start, end)  # not across an escape or out of a string
        ]
        if hits:
            out[i] = hits
    return out


def _covered(hits: list[_Span], pieces: list[_Piece]) -> bool:
    """Whether every hit lies inside one of the pieces (both sorted by start)."""
    j = 0
    for start, end, *_ in hits:
        while j < len(pieces) and pieces[j][1] <= start:
            j += 1
        if j == len(pieces) or not (pieces[j][0] <= start and end <= pieces[j][1]):
            return False
    return True
