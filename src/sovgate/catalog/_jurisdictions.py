"""The jurisdiction model: countries, blocs, EU adequacy with its scopes, foreign-law exposure.

Plain data, built once from `data/jurisdictions.yaml` by the loader; every query is a dict/set lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec
import phonenumbers

# ISO 3166-1 alpha-2 codes we accept: the phonenumbers region table (every country/territory with a
# numbering plan) plus the few codes it lacks.
ISO_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"AQ", "BV", "HM", "TF", "UM"}


class Fact(msgspec.Struct, frozen=True, kw_only=True):
    """Provenance of a fact: where it comes from, when it was checked, how firm it is (V/S/U)."""

    sources: tuple[str, ...]
    checked: str
    status: str


class Bloc(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    members: frozenset[str]
    fact: Fact


class Adequacy(msgspec.Struct, frozen=True, kw_only=True):
    """One EU adequacy decision (GDPR Art. 45).

    scope: "full", "partial" (limited scope, see note; still treated as adequate) or "dpf" (only
    recipients certified under the EU-US Data Privacy Framework; NOT treated as adequate by default,
    because the catalog cannot know an operator's certification).
    """

    countries: tuple[str, ...]
    scope: str
    note: str
    fact: Fact
    since: str | None = None
    until: str | None = None


class ExposureLaw(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    country: str
    name: str
    summary: str
    fact: Fact


ADEQUACY_SCOPES = ("full", "partial", "dpf")


class Jurisdictions:
    """Countries, blocs, adequacy and exposure, with the lookups policy needs."""

    def __init__(
        self,
        *,
        names: Mapping[str, str],
        blocs: Mapping[str, Bloc],
        adequacy: Iterable[Adequacy],
        exposure_laws: Mapping[str, ExposureLaw],
    ) -> None:
        self.names = dict(names)
        self.blocs = dict(blocs)
        self.adequacy = tuple(adequacy)
        self.exposure_laws = dict(exposure_laws)
        self._adequacy_by_country = {c: a for a in self.adequacy for c in a.countries}
        by_country: dict[str, list[str]] = {}
        for law in self.exposure_laws.values():
            by_country.setdefault(law.country, []).append(law.id)
        self._exposure = {c: tuple(sorted(ids)) for c, ids in by_country.items()}

    # --- countries and blocs --------------------------------------------------------------------
    def is_country(self, code: str) -> bool:
        return code in ISO_COUNTRIES

    def is_jurisdiction(self, code: str) -> bool:
        """A country code or a bloc name."""
        return code in ISO_COUNTRIES or code in self.blocs

    def name(self, code: str) -> str:
        if code in self.blocs:
            return self.blocs[code].name
        return self.names.get(code, code)

    def in_bloc(self, country: str, bloc: str) -> bool:
        """Whether `country` belongs to `bloc` (a bloc name, or a country code meaning itself)."""
        b = self.blocs.get(bloc)
        if b is None:
            if bloc in ISO_COUNTRIES:
                return country == bloc
            raise KeyError(f"unknown bloc {bloc!r}; known: {', '.join(sorted(self.blocs))}")
        return country in b.members

    def expand(self, codes: Iterable[str]) -> tuple[str, ...]:
        """Country codes for a mix of countries and blocs, in order, without duplicates."""
        out: dict[str, None] = {}
        for code in codes:
            bloc = self.blocs.get(code)
            if bloc is not None:
                out.update((c, None) for c in sorted(bloc.members))
            elif code in ISO_COUNTRIES:
                out[code] = None
            else:
                raise KeyError(f"unknown jurisdiction {code!r}")
        return tuple(out)

    # --- adequacy ---------------------------------------------------------------------------------
    def adequacy_for(self, country: str) -> Adequacy | None:
        return self._adequacy_by_country.get(country)

    def adequate(self, country: str, *, dpf_certified: bool = False) -> bool:
        """Whether the EU has found `country` adequate for the recipient in question.

        A "dpf"-scoped decision (the US) only counts for a DPF-certified recipient.
        """
        a = self._adequacy_by_country.get(country)
        if a is None:
            return False
        return a.scope != "dpf" or dpf_certified

    def cleared_for_eea(self, country: str, *, dpf_certified: bool = False) -> bool:
        """EEA data may flow there without Chapter V safeguards: inside the EEA or adequate."""
        return self.in_bloc(country, "EEA") or self.adequate(country, dpf_certified=dpf_certified)

    # --- exposure ---------------------------------------------------------------------------------
    def exposure_for(self, country: str) -> tuple[str, ...]:
        """Foreign-law exposure (law ids) of an operator headquartered in `country`; () for none."""
        return self._exposure.get(country, ())
