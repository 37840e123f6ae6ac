"""sovgate.catalog: AI system presets and the jurisdiction model, each fact with its source.

from sovgate.catalog import Catalog
cat = Catalog.builtin()
cat.preset("mistral-eu")          # -> sovgate.types.Provider
cat.in_bloc("DE", "EU")           # -> True
cat.exposure_for("US")            # -> ("US-CLOUD-ACT",)
"""

from sovgate.catalog._catalog import Catalog, UnknownPreset
from sovgate.catalog._jurisdictions import Adequacy, ExposureLaw, Fact, Jurisdictions
from sovgate.catalog._loader import CatalogError
from sovgate.catalog._presets import PresetInfo

__all__ = [
    "Adequacy",
    "Catalog",
    "CatalogError",
    "ExposureLaw",
    "Fact",
    "Jurisdictions",
    "PresetInfo",
    "UnknownPreset",
]
