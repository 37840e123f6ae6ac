"""YAML's own readings must not change what a config says: all-digit digests stay text."""

from __future__ import annotations

import pytest

from sovgate.gateway.config import parse_config

CONFIG = """
providers:
  - {{id: a, protocol: preview, models: {{chat: m}}}}
tenants:
  - {{id: t, home: DE, api_key_sha256: {digest}, route: [a]}}
"""


@pytest.mark.parametrize(
    "digest",
    [
        "1234567890" * 6 + "1234",  # YAML reads a decimal int
        "0" + "1234567" * 9,  # YAML 1.1 reads an octal int (a different number altogether)
    ],
    ids=["decimal", "octal"],
)
def test_all_digit_api_key_sha256_is_read_as_written(digest: str) -> None:
    (tenant,) = parse_config(CONFIG.format(digest=digest), "digits.yaml").tenants
    assert tenant.api_key_sha256 == digest
