"""YAML reading that remembers where each value came from, for error messages."""

from __future__ import annotations

from typing import Any

import yaml

from sovgate._yaml import Loader

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """("providers", 1, "hosting") -> "providers[1].hosting"."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out or "<root>"


class LocatedYaml:
    """A parsed YAML document plus its node tree, to find the line of a key path."""

    def __init__(self, text: str):
        self.text = text
        self.node = yaml.compose(text, Loader=Loader)
        self.data: Any = yaml.load(text, Loader=Loader)

    def line(self, path: KeyPath) -> int | None:
        """1-based line of the value at `path`, or of its nearest existing parent."""
        node = self.node
        if node is None:
            return None
        best = node.start_mark.line + 1
        for key in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        child = v
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                child = node.value[key]
            if child is None:
                break
            node = child
            best = node.start_mark.line + 1
        return best
