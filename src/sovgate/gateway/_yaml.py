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

    def scalar(self, path: KeyPath) -> str | None:
        """The source text of the scalar at exactly `path` (e.g. an all-digit hex digest YAML read as int)."""
        node = self.node
        for key in path:
            node = _child(node, key)
            if node is None:
                return None
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def duplicate(self) -> tuple[KeyPath, int, int] | None:
        """(key path, first line, repeated line) of the first key given twice in one mapping, if any."""
        return _duplicate(self.node, ()) if self.node is not None else None

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


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _duplicate(node: yaml.Node, path: KeyPath) -> tuple[KeyPath, int, int] | None:
    # PyYAML lets a repeated key silently replace the first: a typo'd override would go unnoticed
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    return (*path, k.value), seen[k.value], k.start_mark.line + 1
                seen[k.value] = k.start_mark.line + 1
                found = _duplicate(v, (*path, k.value))
            else:
                found = _duplicate(v, path)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found = _duplicate(item, (*path, i))
            if found is not None:
                return found
    return None
