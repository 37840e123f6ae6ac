"""Fixtures: one real `sovgate serve` (subprocess) for the session, fakes reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sovgate.audit
import sovgate.classify
import sovgate.policy
import sovgate.protect
from fakes.e2e_gateway import E2E, served_gateway

# e2e runs the real packages; before they are merged into this branch there is nothing to run
_MISSING = [
    name
    for name, mod, attr in (
        ("classify", sovgate.classify, "Classifier"),
        ("policy", sovgate.policy, "Engine"),
        ("protect", sovgate.protect, "Pseudonymizer"),
        ("audit", sovgate.audit, "open_audit_log"),
    )
    if not hasattr(mod, attr)
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _MISSING:
        return
    skip = pytest.mark.skip(reason=f"not merged yet: {', '.join(_MISSING)}")
    here = str(config.rootpath / "tests" / "e2e")
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with served_gateway(tmp_path_factory.mktemp("e2e")) as e2e:
        yield e2e


@pytest.fixture
def e2e(e2e_server: E2E) -> E2E:
    for fake in e2e_server.fakes.values():
        fake.reset()
    return e2e_server
