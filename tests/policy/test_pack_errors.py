"""Broken packs fail to load with file, rule id / key path and reason (testdata/broken_packs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovgate.catalog import Catalog
from sovgate.policy import Engine, PolicyError
from sovgate.types import Provider

BROKEN = Path(__file__).parent / "testdata" / "broken_packs"
PROVIDERS = {"us": Provider(id="us", operator_country="US", hosting=("US",))}


def expected(path: Path) -> str:
    first = path.read_bytes().decode("utf-8", "replace").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must start with '# expect: <regex>'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_pack_is_rejected_with_location(path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        Engine.compile([path], PROVIDERS, Catalog.builtin())
    message = str(err.value)
    assert str(path) in message
    assert re.search(expected(path), message), message


def test_unknown_builtin_pack_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match=r"no built-in pack of that name; built-in packs: ae-pdpl, base"):
        Engine.compile(["eu-gdrp"], PROVIDERS, Catalog.builtin())


def test_missing_pack_file() -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml: cannot read pack"):
        Engine.compile(["./nope.yaml"], PROVIDERS, Catalog.builtin())


def test_builtin_pack_files_name_themselves() -> None:
    from sovgate.policy import builtin_packs

    engine = Engine.compile(list(builtin_packs()), PROVIDERS, Catalog.builtin())
    names = [p.name for p in engine.packs()]
    assert names == list(builtin_packs())
    assert {
        "baseline",
        "eu-gdpr",
        "eu-sovereign-strict",
        "cn-pipl",
        "ru-242fz",
        "in-dpdp",
        "ae-pdpl",
        "sa-pdpl",
        "classified",
        "secrets",
    } <= set(names)
    for pack in engine.packs():
        for rule in pack.rules:
            assert rule.fired.reason and rule.fired.citation, rule.key
