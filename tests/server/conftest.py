"""Fixtures: one served gateway (doubles inside, fake upstreams outside) per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.doubles_gateway import Setup, doubles_gateway


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    with doubles_gateway() as s:
        yield s


@pytest.fixture
def gw(setup: Setup) -> Setup:
    setup.reset()
    return setup
