"""sovgate.policy: declarative policy packs compiled into a fast decision function.

from sovgate.policy import Engine
engine = Engine.compile(["baseline", "eu-gdpr"], providers, Catalog.builtin())
decision = engine.decide(tenant, classification, model="chat")
"""

from sovgate.policy._compile import EFFECTS
from sovgate.policy._engine import Engine
from sovgate.policy._errors import PolicyError
from sovgate.policy._packs import Pack, builtin_packs

__all__ = ["EFFECTS", "Engine", "Pack", "PolicyError", "builtin_packs"]
