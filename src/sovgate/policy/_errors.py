"""Errors of the policy package."""

from __future__ import annotations


class PolicyError(ValueError):
    """A pack (or fixture) cannot be loaded; the message names file, rule id / key path and reason."""

    def __init__(self, source: str, where: str, reason: str) -> None:
        self.source = source
        self.where = where
        self.reason = reason
        loc = f"{source}: {where}" if where else source
        super().__init__(f"{loc}: {reason}")
