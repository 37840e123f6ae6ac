"""Choosing the provider: the decision's eligible set, in preference order, healthy first.

`choose(decision, model_providers, health)` is the pure choice; `Router` keeps the
passive health state (circuit breakers) and calls it.
"""

from sovgate.route.breaker import Breaker, BreakerState, Health
from sovgate.route.router import Router, choose

__all__ = ["Breaker", "BreakerState", "Health", "Router", "choose"]
