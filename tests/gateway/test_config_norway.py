"""YAML 1.1 would read Norway's code NO as false: configs are read as YAML 1.2."""

from pathlib import Path

from sovgate.gateway.config import load_config

CONFIG = """\
gateway:
  region: NO
  audit: sqlite:///{db}
providers:
  - id: onprem
    protocol: preview
    operator_country: NO
    hosting: [NO, "SE"]
    on_prem: yes_is_not_a_bool_here
    models: {{chat: x}}
tenants:
  - id: t
    home: NO
    api_key_sha256: f3deb5bb4c5af003b2582badd6aa1260d0d4ed43fc88e83d1c8e294858a6fb80
    route: [onprem]
"""


def test_norway_stays_a_country(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "a.db").replace("yes_is_not_a_bool_here", "true"))
    cfg = load_config(path)
    assert cfg.gateway.region == "NO"
    assert cfg.providers[0].hosting == ("NO", "SE") and cfg.providers[0].operator_country == "NO"
    assert cfg.tenants[0].home == "NO"
