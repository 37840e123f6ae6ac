"""Fixtures: one real `sovgate serve` (subprocess) for the session, fakes reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.e2e_gateway import E2E, served_gateway


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with served_gateway(tmp_path_factory.mktemp("e2e")) as e2e:
        yield e2e


@pytest.fixture
def e2e(e2e_server: E2E) -> E2E:
    for fake in e2e_server.fakes.values():
        fake.reset()
    return e2e_server
