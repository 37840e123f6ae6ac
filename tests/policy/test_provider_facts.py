"""The US adequacy decision covers only DPF-certified recipients (scope "dpf")."""

from sovgate.catalog import Catalog
from sovgate.policy._providers import provider_facts
from sovgate.types import Provider


def _facts(**kw):
    p = Provider(id="x", operator_country="US", hosting=("US",), **kw)
    return provider_facts({"x": p}, Catalog.builtin())[0]


def test_us_provider_is_adequate_only_when_dpf_certified():
    assert _facts().eu_adequate is False
    assert _facts(dpf_certified=True).eu_adequate is True


def test_dpf_certification_does_not_remove_cloud_act_exposure():
    assert "US-CLOUD-ACT" in _facts(dpf_certified=True).exposure
