"""The `Catalog`: presets and the jurisdiction model, loaded once from the shipped data files."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from sovgate.catalog._jurisdictions import Adequacy, ExposureLaw, Jurisdictions
from sovgate.catalog._loader import load_jurisdictions, load_presets
from sovgate.catalog._presets import PresetInfo
from sovgate.types import Provider

DATA_DIR = Path(__file__).resolve().parent / "data"


class UnknownPreset(KeyError):
    """`Catalog.preset()` was asked for a name it does not know."""

    def __init__(self, name: str, known: list[str]) -> None:
        close = difflib.get_close_matches(name, known, n=4, cutoff=0.5)
        close += [k for k in known if name and (name in k or k in name) and k not in close]
        hint = f"did you mean {', '.join(close[:5])}?" if close else f"known presets: {', '.join(known)}"
        self.name = name
        self.message = f"unknown preset {name!r}; {hint} (see `sovgate catalog list`)"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Catalog:
    """Presets for AI systems and the jurisdiction model (countries, blocs, adequacy, exposure)."""

    def __init__(self, jurisdictions: Jurisdictions, presets: dict[str, PresetInfo]) -> None:
        self.jurisdictions = jurisdictions
        self._presets = presets

    @classmethod
    @functools.cache
    def builtin(cls) -> Catalog:
        """The catalog shipped with sovgate (loaded once per process)."""
        return cls.from_dir(DATA_DIR)

    @classmethod
    def from_dir(cls, path: Path) -> Catalog:
        juris = load_jurisdictions(path / "jurisdictions.yaml")
        return cls(juris, load_presets(path / "providers.yaml", juris))

    # --- presets ----------------------------------------------------------------------------------
    def presets(self) -> tuple[str, ...]:
        return tuple(self._presets)

    def info(self, name: str) -> PresetInfo:
        try:
            return self._presets[name]
        except KeyError:
            raise UnknownPreset(name, list(self._presets)) from None

    def preset(self, name: str) -> Provider:
        """The provider facts of preset `name`, with `id` = `preset` = name (override `id` in config)."""
        return self.info(name).provider

    def entries(self) -> tuple[PresetInfo, ...]:
        return tuple(self._presets.values())

    # --- jurisdiction model (delegates to Jurisdictions) ------------------------------------------
    def is_country(self, code: str) -> bool:
        return self.jurisdictions.is_country(code)

    def is_jurisdiction(self, code: str) -> bool:
        return self.jurisdictions.is_jurisdiction(code)

    def blocs(self) -> tuple[str, ...]:
        return tuple(self.jurisdictions.blocs)

    def in_bloc(self, country: str, bloc: str) -> bool:
        return self.jurisdictions.in_bloc(country, bloc)

    def expand(self, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        """Countries for a mix of ISO codes and bloc names ("EU" -> the 27 member states)."""
        return self.jurisdictions.expand(codes)

    def name(self, code: str) -> str:
        return self.jurisdictions.name(code)

    def adequacy(self) -> tuple[Adequacy, ...]:
        return self.jurisdictions.adequacy

    def adequacy_for(self, country: str) -> Adequacy | None:
        return self.jurisdictions.adequacy_for(country)

    def adequate(self, country: str, *, dpf_certified: bool = False) -> bool:
        return self.jurisdictions.adequate(country, dpf_certified=dpf_certified)

    def cleared_for_eea(self, country: str, *, dpf_certified: bool = False) -> bool:
        return self.jurisdictions.cleared_for_eea(country, dpf_certified=dpf_certified)

    def exposure_for(self, country: str) -> tuple[str, ...]:
        return self.jurisdictions.exposure_for(country)

    def exposure_laws(self) -> dict[str, ExposureLaw]:
        return dict(self.jurisdictions.exposure_laws)
