"""The generic cell rate algorithm (GCRA, ITU-T I.371): a token bucket kept as one number.

For each key it keeps the theoretical arrival time (TAT) of the next request if requests came
exactly at the allowed rate. A request at `now` is allowed when the TAT, after adding it, is no
more than `burst` intervals ahead of `now`; otherwise it is refused and told how long to wait.
No background refill, no per-key timer: one float per tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Gcra:
    rate: float  # requests per second, sustained
    burst: int  # requests allowed at once after an idle period (>= 1)
    _tat: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.interval = 1.0 / self.rate
        self.tolerance = self.interval * self.burst

    def acquire(self, key: str, now: float) -> float:
        """0.0 and the request counted, or the seconds until one would be allowed (not counted)."""
        tat = max(self._tat.get(key, now), now) + self.interval
        allowed_at = tat - self.tolerance
        if now < allowed_at:
            return allowed_at - now
        self._tat[key] = tat
        return 0.0

    def overdrawn(self, key: str, now: float) -> float:
        """Seconds until `key` is within its burst again (0.0: it is); counts nothing. With
        `charge` this is a budget of units known only afterwards (tokens): a request is let in
        while the budget is not overdrawn, and what it used is charged when it is known."""
        tat = self._tat.get(key)
        return 0.0 if tat is None else max(0.0, tat - self.tolerance - now)

    def charge(self, key: str, cost: float, now: float) -> None:
        """Count `cost` units used at `now`, over the budget or not."""
        self._tat[key] = max(self._tat.get(key, now), now) + cost * self.interval
