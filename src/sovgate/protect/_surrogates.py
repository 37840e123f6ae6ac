"""Realistic fake values of the same kind and locale (filled in below)."""

from __future__ import annotations

import random


def surrogate(kind: str, value: str, jurisdiction: str | None, rng: random.Random) -> str | None:
    return None
