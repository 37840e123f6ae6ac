"""The per-request facts rules look at, computed once per decision from a `Classification`."""

from __future__ import annotations

from sovgate.types import CATEGORIES, ENTITY_TYPES, SPECIAL_CATEGORIES, Classification

_ENTITY = frozenset(ENTITY_TYPES)
_SPECIAL = frozenset(SPECIAL_CATEGORIES)
_OTHER = frozenset(CATEGORIES) - _SPECIAL
PERSONAL = "PERSONAL"  # pseudo-kind present when any entity finding is present


class Request:
    """What one request carries, in the shape rules test.

    present:  kinds present: entity types, categories, and PERSONAL when any entity is present.
              Special categories count only when `Classification.categories` says so (they concern an
              identifiable person); SECRET / CLASSIFIED / FINANCIAL findings count by themselves.
    subjects: kind -> jurisdictions of the findings of that kind (finding's jurisdiction, else the
              tenant's home). For markings (CLASSIFIED) these are the marking countries.
    entity_types: the entity types of all findings (what a pseudonymize effect masks).
    details():  the details of the findings whose kind is present (computed when a rule asks).
    """

    __slots__ = (
        "_details",
        "_findings",
        "_memo",
        "entity_types",
        "home",
        "model",
        "present",
        "subjects",
        "tenant",
    )

    def __init__(self, tenant_id: str, home: str, model: str, classification: Classification) -> None:
        self.tenant = tenant_id
        self.home = home
        self.model = model
        subjects: dict[str, set[str]] = {}
        entity_types: set[str] = set()
        for f in classification.findings:
            j = f.jurisdiction or home
            s = subjects.get(f.kind)
            if s is None:
                subjects[f.kind] = {j}
            else:
                s.add(j)
            if f.kind in _ENTITY:
                entity_types.add(f.kind)
        present = {k for k in subjects if k in _ENTITY or k in _OTHER}
        present |= classification.categories
        if entity_types:
            present.add(PERSONAL)
        # A category without a finding of its own (set by the classifier) concerns the tenant's people.
        for cat in classification.categories:
            if cat not in subjects:
                subjects[cat] = {home}
        self.present = frozenset(present)
        self.subjects = subjects
        self.entity_types = frozenset(entity_types)
        self._memo: dict[frozenset[str], frozenset[str]] = {}
        self._findings = classification.findings
        self._details: frozenset[str] | None = None

    def details(self) -> frozenset[str]:
        """The details of the findings that count (their kind is present: a special category only
        when it concerns a person, as for `categories`); built on first use, most requests never do."""
        if self._details is None:
            present = self.present
            self._details = frozenset(
                f.detail for f in self._findings if f.detail is not None and f.kind in present
            )
        return self._details

    def subjects_of(self, kinds: frozenset[str]) -> frozenset[str]:
        """Jurisdictions of the people behind the present findings of `kinds` (memoized per request)."""
        hit = self._memo.get(kinds)
        if hit is None:
            out: set[str] = set()
            present = self.present
            for k, s in self.subjects.items():
                if k in kinds and k in present:
                    out |= s
            hit = self._memo[kinds] = frozenset(out)
        return hit
