"""sovgate.policy: declarative policy packs compiled into a fast decision function.

    from sovgate.policy import Engine
    engine = Engine.compile(["baseline", "eu-gdpr"], providers, Catalog.builtin())
    decision = engine.decide(tenant, classification, model="chat")

Also: `replay` (re-decide recorded traffic under draft packs, from `Recorded` items or audit records via
`from_audit`) and `advise` (per country and data class, which catalog systems the applicable packs allow).
"""

from sovgate.policy._advise import DATA_CLASSES, Advice, advise
from sovgate.policy._engine import Engine
from sovgate.policy._errors import PolicyError
from sovgate.policy._packs import Pack, builtin_packs
from sovgate.policy._replay import Recorded, ReplayReport, from_audit, replay
from sovgate.policy._rules import EFFECTS

__all__ = [
    "DATA_CLASSES",
    "EFFECTS",
    "Advice",
    "Engine",
    "Pack",
    "PolicyError",
    "Recorded",
    "ReplayReport",
    "advise",
    "builtin_packs",
    "from_audit",
    "replay",
]
