"""`sovgate policy ...` as a user runs it: built-in fixtures (run in CI), failures, broken fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TESTDATA = Path(__file__).parent / "testdata"


def sovgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovgate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **_pythonpath()},
    )


def _pythonpath() -> dict[str, str]:
    import os

    return {"PYTHONPATH": os.environ["PYTHONPATH"]}


def test_builtin_fixtures_pass() -> None:
    r = sovgate("policy", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS baseline.yaml::an AWS access key refuses the request" in r.stdout
    for pack in (
        "eu-gdpr",
        "eu-sovereign-strict",
        "cn-pipl",
        "ru-242fz",
        "in-dpdp",
        "ae-pdpl",
        "sa-pdpl",
        "classified",
        "secrets",
        "multi-pack",
    ):
        assert f"PASS {pack}.yaml::" in r.stdout, pack
    assert " 0 failed, 0 errors" in r.stdout


def test_failing_case_is_reported_and_exit_is_nonzero() -> None:
    r = sovgate("policy", "test", str(TESTDATA / "failing_fixtures" / "failing.yaml"))
    assert r.returncode == 1
    assert "PASS failing.yaml::passes" in r.stdout
    assert "FAIL failing.yaml::wrongly expects health data to reach the US provider" in r.stdout
    assert "eligible: expected ['us', 'eu'], got ['eu']" in r.stdout
    assert "1 passed, 1 failed, 0 errors" in r.stdout


def test_broken_fixture_is_an_error_naming_file_and_key() -> None:
    r = sovgate("policy", "test", str(TESTDATA / "failing_fixtures"))
    assert r.returncode == 1
    assert "ERROR broken.yaml::(load)" in r.stdout
    assert "broken.yaml: providers.us.preset: unknown preset 'openai-usa'" in r.stdout
    assert "ERROR typo.yaml::rule id typo" in r.stdout
    assert "cases[0].expect.refused: no rule 'baseline/secret' in this case's packs" in r.stdout
    assert "ERROR typo_in_detail.yaml::a finding detail no detector gives" in r.stdout
    assert (
        "cases[0].findings[0].detail: no detector gives CLASSIFIED findings the detail 'VS-NFD'; "
        "did you mean VS-NfD?" in r.stdout
    )
    assert "1 passed, 1 failed, 3 errors" in r.stdout


def test_missing_directory() -> None:
    r = sovgate("policy", "test", "/nonexistent/fixtures")
    assert r.returncode == 2
    assert "no such file or directory" in r.stderr


def test_packs_json_and_show() -> None:
    r = sovgate("policy", "packs", "--json")
    assert r.returncode == 0
    packs = {p["pack"]: p for p in json.loads(r.stdout)}
    assert packs["cn-pipl"]["applies_to"] == ["CN"]
    assert "baseline/secrets" in packs["baseline"]["rules"]
    r = sovgate("policy", "show", "ru-242fz")
    assert r.returncode == 0 and "Federal Law 242-FZ" in r.stdout
    r = sovgate("policy", "show", str(TESTDATA / "broken_packs" / "unknown_effect.yaml"))
    assert r.returncode == 2 and "unknown effect 'block'" in r.stderr


def test_request_cases_run_through_the_real_classifier() -> None:
    import pytest

    classify = pytest.importorskip("sovgate.classify")
    if not hasattr(classify, "Classifier"):
        pytest.skip("sovgate.classify not merged yet")
    r = sovgate("policy", "test", str(TESTDATA / "request_fixtures"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS health.yaml::health request classified by the real classifier" in r.stdout
    assert "PASS world.yaml::China — a resident ID number stays in mainland China" in r.stdout
    assert "PASS world.yaml::China tenant — a Chinese customer next to a German's IBAN" in r.stdout
    assert "7 passed, 0 failed, 0 errors" in r.stdout


def test_user_pack_directory_with_its_fixtures() -> None:
    r = sovgate("policy", "test", str(TESTDATA / "packs"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS acme_fixtures.yaml::DPF provider shielded" in r.stdout
    assert "1 passed, 0 failed, 0 errors" in r.stdout  # acme.yaml itself is a pack, not a fixture


def test_directory_without_cases_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "only-a-pack.yaml").write_text((TESTDATA / "packs" / "acme.yaml").read_text())
    r = sovgate("policy", "test", str(tmp_path))
    assert r.returncode == 1
    assert "no fixture cases under" in r.stdout and "0 passed, 0 failed, 1 errors" in r.stdout


def test_fixture_requests_are_detected_with_a_configs_custom_detectors() -> None:
    fixtures, config = (TESTDATA / "custom_detectors" / name for name in ("codenames.yaml", "config.yaml"))
    r = sovgate("policy", "test", str(fixtures), "--config", str(config))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed, 0 failed, 0 errors" in r.stdout
    # without the config the code names are plain words: the first two cases fail
    plain = sovgate("policy", "test", str(fixtures))
    assert plain.returncode == 1 and "1 passed, 2 failed, 0 errors" in plain.stdout
    bad = sovgate("policy", "test", str(fixtures), "--config", str(fixtures))
    assert bad.returncode == 2 and "unknown key" in bad.stderr


def test_rules_on_finding_details_with_a_configs_own_detector_names() -> None:
    folder = TESTDATA / "details"
    fixtures, config, pack = (folder / n for n in ("levels_fixtures.yaml", "config.yaml", "levels.yaml"))
    r = sovgate("policy", "test", str(fixtures), "--config", str(config))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "8 passed, 0 failed, 0 errors" in r.stdout
    # without the config, `acme.codename.fr` names no detector: the pack does not load
    plain = sovgate("policy", "test", str(fixtures))
    assert plain.returncode == 1 and "0 passed, 0 failed, 1 errors" in plain.stdout
    assert "french-codenames-refused.when.details: no detector gives the detail 'acme.codename.fr'" in (
        " ".join(plain.stdout.split())
    )
    assert sovgate("policy", "show", str(pack), "--config", str(config)).returncode == 0
    shown = sovgate("policy", "show", str(pack))
    assert shown.returncode == 2 and "acme.codename.fr" in shown.stderr


def test_policy_details_lists_what_rules_may_name() -> None:
    listed = json.loads(sovgate("policy", "details", "--json").stdout)
    assert listed["VS-NfD"] == ["CLASSIFIED"] and listed["de.idnr"] == ["NATIONAL_ID"]
    assert "acme.codename.fr" not in listed
    own = sovgate("policy", "details", "--json", "--config", str(TESTDATA / "details" / "config.yaml"))
    assert json.loads(own.stdout)["acme.codename.fr"] == ["CLASSIFIED"]
    table = sovgate("policy", "details").stdout
    assert "CLASSIFIED" in table and "STRENG GEHEIM" in table and "aws_access_key" in table
    bad = sovgate("policy", "details", "--config", str(TESTDATA / "details" / "levels.yaml"))
    assert bad.returncode == 2 and "unknown key" in bad.stderr
