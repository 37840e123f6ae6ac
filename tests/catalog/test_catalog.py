"""The built-in catalog: presets, their provenance, and the jurisdiction model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sovgate.catalog import Catalog, CatalogError, UnknownPreset
from sovgate.types import Provider

REQUIRED_PRESETS = (
    "openai",
    "openai-eu",
    "azure-openai-eu",
    "gemini",
    "anthropic",
    "meta-llama",
    "mistral",
    "mistral-eu",
    "aleph-alpha",
    "ionos",
    "stackit",
    "ovhcloud",
    "scaleway",
    "soofi",
    "teuken",
    "eurollm",
    "qwen-cn",
    "qwen-intl",
    "qwen-eu",
    "ernie",
    "hunyuan",
    "deepseek",
    "falcon",
    "jais",
    "vllm",
    "llama-cpp",
    "ollama",
)

EU27 = set(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return Catalog.builtin()


def test_builtin_is_cached(cat: Catalog) -> None:
    assert Catalog.builtin() is cat


@pytest.mark.parametrize("name", REQUIRED_PRESETS)
def test_required_presets_have_facts_and_sources(cat: Catalog, name: str) -> None:
    p = cat.preset(name)
    info = cat.info(name)
    assert isinstance(p, Provider)
    assert p.id == name and p.preset == name
    assert p.protocol in ("openai", "anthropic")
    assert p.base_url.startswith("http")
    assert p.auth in ("bearer", "api-key", "x-api-key", "none")
    assert p.sources and all(s.startswith("https://") for s in p.sources)
    dt.date.fromisoformat(info.fact.checked)
    assert info.fact.status in ("V", "S", "U")
    if info.self_hosted:
        assert p.on_prem and p.hosting == ()  # the configuration says where it runs
    else:
        assert not p.on_prem and len(p.operator_country) == 2


@pytest.mark.parametrize(
    ("name", "country", "hosting", "exposure"),
    [
        ("openai", "US", (), ("US-CLOUD-ACT",)),
        ("anthropic", "US", (), ("US-CLOUD-ACT",)),
        ("ionos", "DE", ("DE",), ()),
        ("stackit", "DE", ("DE", "AT"), ()),
        ("scaleway", "FR", ("FR",), ()),
        ("qwen-cn", "CN", ("CN",), ("CN-NIL",)),
        ("qwen-intl", "CN", ("SG",), ("CN-NIL",)),
        ("qwen-eu", "CN", ("DE",), ("CN-NIL",)),
        ("deepseek", "CN", ("CN",), ("CN-NIL",)),
    ],
)
def test_operator_hosting_and_exposure(
    cat: Catalog, name: str, country: str, hosting: tuple, exposure: tuple
) -> None:
    p = cat.preset(name)
    assert (p.operator_country, p.hosting, p.exposure) == (country, hosting, exposure)


def test_eu_endpoints_are_hosted_in_the_eu_but_keep_us_exposure(cat: Catalog) -> None:
    for name in ("openai-eu", "azure-openai-eu"):
        p = cat.preset(name)
        assert set(p.hosting) == EU27
        assert p.exposure == ("US-CLOUD-ACT",)
    # Mistral's EU endpoint runs in EU/EFTA data centres, so Switzerland is in its hosting.
    assert set(cat.preset("mistral-eu").hosting) >= EU27 | {"CH", "NO"}


def test_auth_styles(cat: Catalog) -> None:
    assert cat.preset("azure-openai-eu").auth == "api-key"
    assert cat.preset("anthropic").auth == "x-api-key"
    assert cat.preset("ollama").auth == "none"


def test_unverified_facts_are_flagged(cat: Catalog) -> None:
    assert cat.info("stackit").fact.status == "S"
    assert cat.info("stackit").status_of("auth") == "U"
    assert cat.info("openai").status_of("operator") == "U"
    assert cat.info("soofi").status_of("license") == "U"
    assert cat.info("openai").status_of("base_url") == "V"


def test_unknown_preset_suggests_close_names(cat: Catalog) -> None:
    with pytest.raises(UnknownPreset) as err:
        cat.preset("mistal-eu")
    assert "mistral-eu" in str(err.value)
    assert isinstance(err.value, KeyError)
    with pytest.raises(UnknownPreset, match="qwen-cn"):
        cat.preset("qwen")


def test_blocs(cat: Catalog) -> None:
    assert set(cat.expand(["EU"])) == EU27
    assert set(cat.expand(["EEA"])) == EU27 | {"IS", "LI", "NO"}
    assert cat.in_bloc("NO", "EEA") and not cat.in_bloc("NO", "EU")
    assert cat.in_bloc("DE", "EU") and not cat.in_bloc("CH", "EEA") and not cat.in_bloc("GB", "EU")
    assert cat.expand(["DE", "EU"])[0] == "DE"
    with pytest.raises(KeyError):
        cat.expand(["XX"])


def test_adequacy_with_scopes(cat: Catalog) -> None:
    assert cat.adequate("CH") and cat.adequate("JP") and cat.adequate("GB") and cat.adequate("KR")
    assert cat.adequacy_for("JP").scope == "partial"
    us = cat.adequacy_for("US")
    assert us is not None and us.scope == "dpf"
    assert not cat.adequate("US")  # only DPF-certified recipients
    assert cat.adequate("US", dpf_certified=True)
    assert not cat.adequate("CN") and not cat.adequate("IN")
    assert cat.cleared_for_eea("NO") and cat.cleared_for_eea("CH") and not cat.cleared_for_eea("SG")


def test_exposure_by_operator_country(cat: Catalog) -> None:
    assert cat.exposure_for("US") == ("US-CLOUD-ACT",)
    assert cat.exposure_for("CN") == ("CN-NIL",)
    assert cat.exposure_for("RU") == ("RU-SORM",)
    assert cat.exposure_for("DE") == () and cat.exposure_for("") == ()
    laws = cat.exposure_laws()
    assert laws["CN-NIL"].fact.status == "U"


def test_broken_data_file_names_file_and_key(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "src/sovgate/catalog/data"
    (tmp_path / "jurisdictions.yaml").write_text((src / "jurisdictions.yaml").read_text())
    (tmp_path / "providers.yaml").write_text(
        "broken:\n  name: x\n  kind: api\n  protocol: openai\n  base_url: https://x\n  auth: bearer\n"
        "  operator: X\n  operator_country: XX\n  sources: [https://x]\n  checked: 2026-11-26\n  status: V\n"
    )
    with pytest.raises(CatalogError, match=r"providers\.yaml: broken\.operator_country: not an ISO"):
        Catalog.from_dir(tmp_path)
