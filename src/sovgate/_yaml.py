"""YAML reading with YAML 1.2 booleans, for every file sovgate loads (configs, packs, catalog).

PyYAML follows YAML 1.1, where `NO` (Norway), `yes`, `on` and `off` are booleans.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class Loader(yaml.SafeLoader):
    pass


# Drop YAML 1.1's yes/no/on/off booleans, keep true/false.
Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)
