"""What the catalog knows about one preset beyond the `Provider` facts policy uses."""

from __future__ import annotations

import msgspec

from sovgate.catalog._jurisdictions import Fact
from sovgate.types import Provider

PRESET_KINDS = ("api", "self-hosted", "engine")


class PresetInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A catalog entry: the provider facts plus descriptive ones.

    kind: "api" (a hosted service), "self-hosted" (open-weight model you run; on_prem) or "engine"
    (an OpenAI-compatible serving engine such as vLLM; on_prem). `flags` marks facts weaker than the
    entry's overall `fact.status`: {"hosting": "U"} means the hosting claim is unverified.
    """

    id: str
    name: str
    kind: str
    provider: Provider
    hosting_declared: tuple[str, ...] = ()  # as written in the data file (blocs unexpanded)
    open_weights: bool = False
    license: str = ""
    languages: tuple[str, ...] = ()
    initiative: bool = False  # a national / EU sovereign AI programme
    country: str = ""  # country (or bloc) the system belongs to
    developer: str = ""
    developer_country: str = ""
    flags: dict[str, str] = {}
    note: str = ""
    fact: Fact

    @property
    def self_hosted(self) -> bool:
        return self.kind != "api"

    def status_of(self, fact: str) -> str:
        """V, S or U for one named fact (falls back to the entry's status)."""
        return self.flags.get(fact, self.fact.status)
