"""Acceptance fixtures: the e2e harness (real `sovgate serve` + four fake upstreams), shared per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.e2e_gateway import E2E, served_gateway


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with served_gateway(tmp_path_factory.mktemp("acceptance")) as e2e:
        yield e2e


@pytest.fixture
def gw(gateway: E2E) -> Iterator[E2E]:
    for fake in gateway.fakes.values():
        fake.reset()
        fake.chunk_chars = 5
    yield gateway
