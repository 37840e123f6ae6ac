"""`when: {details: [...]}`: rules on which ID scheme, marking or secret type was found (pure core)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from sovgate.catalog import Catalog
from sovgate.classify.details import known_details
from sovgate.policy import Engine, PolicyError, Recorded, replay
from sovgate.types import Classification, CustomRule, Finding, Tenant

CAT = Catalog.builtin()
PROVIDERS = {
    "us": CAT.preset("openai"),
    "de-onprem": msgspec.structs.replace(CAT.preset("vllm"), hosting=("DE",)),
}
TENANT = Tenant(id="acme-de", home="DE", api_key_sha256="", route=("us", "de-onprem"), policies=())


def pack(tmp_path: Path, when: str, effect: str = "refuse") -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(
        f"pack: p\nrules:\n  - {{id: r1, when: {when}, effect: {effect}, reason: r, citation: c}}\n"
    )
    return path


def found(*findings: tuple[str, str | None, str | None], categories: tuple[str, ...] = ()) -> Classification:
    return Classification(
        findings=tuple(Finding(kind=k, start=0, end=1, jurisdiction=j, detail=d) for k, j, d in findings),
        categories=frozenset(categories),
    )


def refused(engine: Engine, c: Classification) -> bool:
    return engine.decide(TENANT, c, "chat").refused is not None


def test_names_and_globs_match_the_details_of_the_findings(tmp_path: Path) -> None:
    engine = Engine.compile([pack(tmp_path, '{details: [GEHEIM, "NATO:*", "de.*"]}')], PROVIDERS, CAT)
    assert refused(engine, found(("CLASSIFIED", "DE", "GEHEIM")))
    assert refused(engine, found(("CLASSIFIED", None, "NATO:NATO RESTRICTED")))
    assert refused(engine, found(("PHONE", "DE", "phone"), ("NATIONAL_ID", "DE", "de.stnr")))
    assert not refused(engine, found(("CLASSIFIED", "DE", "VS-NfD")))  # no rule names it
    assert not refused(engine, found(("CLASSIFIED", "DE", None)))  # no detail: nothing to match
    assert not refused(engine, found())


def test_a_special_category_detail_counts_only_when_the_category_does(tmp_path: Path) -> None:
    """As for `categories: [HEALTH]`: health words not about an identifiable person do not count."""
    engine = Engine.compile([pack(tmp_path, "{details: [ICD-10]}")], PROVIDERS, CAT)
    assert not refused(engine, found(("HEALTH", None, "ICD-10")))
    assert refused(
        engine, found(("HEALTH", None, "ICD-10"), ("PERSON", None, "name"), categories=("HEALTH",))
    )


def test_details_combine_with_the_other_conditions(tmp_path: Path) -> None:
    when = '{all: [{details: ["us.ssn"]}, {not: {tenant_home_in: [US]}}]}'
    engine = Engine.compile([pack(tmp_path, when, "require_on_prem")], PROVIDERS, CAT)
    d = engine.decide(TENANT, found(("NATIONAL_ID", "US", "us.ssn")), "chat")
    assert d.eligible == ("de-onprem",) and d.fired[0].rule == "p/r1"
    assert engine.decide(TENANT, found(("NATIONAL_ID", "US", "document")), "chat").eligible == (
        "us",
        "de-onprem",
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("{details: [VS-NFD]}", "no detector gives the detail 'VS-NFD'; did you mean VS-NfD?"),
        ('{details: ["XX:*"]}', "no detector gives the detail 'XX:*' ("),
        ("{details: []}", "must be a finding detail"),
        ("{details: [acme.codename]}", "no detector gives the detail 'acme.codename'"),
    ],
)
def test_a_detail_no_detector_gives_is_a_pack_error(tmp_path: Path, when: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        Engine.compile([pack(tmp_path, when)], PROVIDERS, CAT)
    assert "rule r1.when.details" in str(err.value) and message in str(err.value)


def test_own_detectors_names_may_be_used_when_the_engine_knows_them(tmp_path: Path) -> None:
    own = known_details([CustomRule(detail="acme.codename", kind="CLASSIFIED", terms=("bluebird",))])
    engine = Engine.compile([pack(tmp_path, "{details: [acme.codename]}")], PROVIDERS, CAT, own)
    assert refused(engine, found(("CLASSIFIED", "DE", "acme.codename")))
    assert not refused(engine, found(("CLASSIFIED", "DE", "VS-NfD")))


def test_replay_matches_recorded_details_and_counts_records_without_them(tmp_path: Path) -> None:
    draft = pack(tmp_path, "{details: [GEHEIM]}")
    engine = Engine.compile([draft], PROVIDERS, CAT)
    eligible = ("us", "de-onprem")  # as recorded: nothing was restricted before
    records = [
        Recorded(id="v5", tenant="acme-de", findings=(("CLASSIFIED", "DE", "GEHEIM"),), eligible=eligible),
        Recorded(id="v4", tenant="acme-de", findings=(("CLASSIFIED", "DE", None),), eligible=eligible),
        Recorded(id="plain", tenant="acme-de", eligible=eligible),
    ]
    report = replay(records, engine, {"acme-de": TENANT}, ["p"])
    assert [(c.id, c.kind) for c in report.changes] == [("v5", "newly-refused")]
    assert (report.total, report.unchanged, report.without_details) == (3, 2, 1)
