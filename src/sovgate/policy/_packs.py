"""Finding, reading and compiling policy packs (YAML)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sovgate._yaml import load as yaml_load
from sovgate.catalog import Catalog
from sovgate.policy._errors import PolicyError
from sovgate.policy._providers import ProviderFacts
from sovgate.policy._rules import Rule, compile_rule
from sovgate.policy._values import CompileContext

PACKS_DIR = Path(__file__).resolve().parent / "packs"
PACK_KEYS = ("pack", "title", "description", "applies_to", "checked", "sources", "rules")


@dataclass(slots=True, frozen=True)
class Pack:
    name: str
    title: str
    description: str
    applies_to: tuple[str, ...]  # countries whose people / operations the pack is written for
    source: str  # where it was loaded from
    rules: tuple[Rule, ...]
    checked: str = ""
    sources: tuple[str, ...] = ()


def builtin_packs() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PACKS_DIR.glob("*.yaml")))


def resolve(spec: str | Path) -> tuple[Path, str | None]:
    """The file of a pack spec (built-in name or path) and the name a built-in must carry."""
    if isinstance(spec, Path) or "/" in spec or spec.endswith((".yaml", ".yml")):
        return Path(spec), None
    path = PACKS_DIR / f"{spec}.yaml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", spec) or not path.is_file():
        raise PolicyError(
            f"pack {spec!r}",
            "",
            f"no built-in pack of that name; built-in packs: {', '.join(builtin_packs())} "
            "(or give a path to a YAML file)",
        )
    return path, spec


def load_pack(
    spec: str | Path,
    catalog: Catalog,
    provider_ids: frozenset[str],
    facts: Sequence[ProviderFacts],
    details: Mapping[str, frozenset[str]],
) -> Pack:
    path, expected = resolve(spec)
    source = str(path)
    try:
        doc: Any = yaml_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(source, "", f"cannot read pack: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyError(source, "", "cannot read pack: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PolicyError(source, where, f"malformed YAML: {getattr(exc, 'problem', None) or exc}") from None
    cc = CompileContext(source=source, catalog=catalog, provider_ids=provider_ids, details=details)
    if not isinstance(doc, dict):
        raise cc.fail("", "a pack must be a mapping with keys pack, rules, ...")
    unknown = set(doc) - set(PACK_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        raise cc.fail(key, f"unknown pack attribute {key!r}; known: {', '.join(PACK_KEYS)}")
    name = doc.get("pack")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise cc.fail("pack", "required: the pack's name (lower-case, digits, '-')")
    if expected is not None and name != expected:
        raise cc.fail("pack", f"built-in pack file {expected}.yaml names itself {name!r}")
    applies = doc.get("applies_to", [])
    if not isinstance(applies, list):
        raise cc.fail("applies_to", "must be a list of jurisdictions")
    for code in applies:
        if not isinstance(code, str) or not catalog.is_jurisdiction(code):
            raise cc.fail("applies_to", f"unknown jurisdiction {code!r}")
    checked = doc.get("checked", "")
    if isinstance(checked, dt.date):
        checked = checked.isoformat()
    rules_node = doc.get("rules")
    if not isinstance(rules_node, list) or not rules_node:
        raise cc.fail("rules", "required: a non-empty list of rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, node in enumerate(rules_node):
        rule = compile_rule(node, f"rules[{i}]", name, cc, facts)
        if rule.key in seen:
            raise cc.fail(f"rule {rule.key.split('/', 1)[1]}", "duplicate rule id")
        seen.add(rule.key)
        rules.append(rule)
    return Pack(
        name=name,
        title=str(doc.get("title", name)),
        description=" ".join(str(doc.get("description", "")).split()),
        applies_to=tuple(catalog.expand(applies)),
        source=source,
        rules=tuple(rules),
        checked=str(checked),
        sources=tuple(doc.get("sources", []) or []),
    )
