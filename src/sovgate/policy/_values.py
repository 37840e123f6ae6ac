"""Parsing the values rules are written with: jurisdiction lists, booleans, names; the compile context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sovgate.catalog import Catalog
from sovgate.policy._errors import PolicyError

VARIABLES = ("$home", "$subjects", "$markings")

Env = Mapping[str, frozenset[str]]


@dataclass(slots=True)
class CompileContext:
    source: str  # file name or "builtin pack <name>"
    catalog: Catalog
    provider_ids: frozenset[str]
    # the finding details rules may name -> the kinds that carry them (sovgate.classify.details)
    details: Mapping[str, frozenset[str]]

    def fail(self, where: str, reason: str) -> PolicyError:
        return PolicyError(self.source, where, reason)


def parse_jurisdictions(value: Any, where: str, cc: CompileContext) -> tuple[frozenset[str], tuple[str, ...]]:
    """Static countries and the variables of a jurisdiction list."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise cc.fail(
            where, "must be a jurisdiction or a non-empty list of them (ISO codes, EU, EEA, $home...)"
        )
    static: set[str] = set()
    variables: list[str] = []
    for item in items:
        if not isinstance(item, str):
            hint = " (quote NO / ON etc.: YAML reads them as booleans)" if isinstance(item, bool) else ""
            raise cc.fail(where, f"not a jurisdiction: {item!r}{hint}")
        if item.startswith("$"):
            if item not in VARIABLES:
                raise cc.fail(where, f"unknown variable {item!r}; known: {', '.join(VARIABLES)}")
            variables.append(item)
        elif cc.catalog.is_jurisdiction(item):
            static.update(cc.catalog.expand([item]))
        else:
            raise cc.fail(
                where,
                f"unknown jurisdiction {item!r} (ISO 3166-1 alpha-2 code or one of "
                f"{', '.join(cc.catalog.blocs())})",
            )
    return frozenset(static), tuple(variables)


def resolver(static: frozenset[str], variables: tuple[str, ...]) -> Callable[[Env], frozenset[str]]:
    if not variables:
        return lambda env: static
    return lambda env: static.union(*(env[v] for v in variables))


def parse_bool(value: Any, where: str, cc: CompileContext) -> bool:
    if not isinstance(value, bool):
        raise cc.fail(where, f"must be true or false, got {value!r}")
    return value


def parse_names(
    value: Any, where: str, cc: CompileContext, known: Sequence[str] | frozenset[str], what: str
) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise cc.fail(where, f"must be a {what} or a non-empty list of them")
    for item in items:
        if item not in known:
            raise cc.fail(where, f"unknown {what} {item!r}; known: {', '.join(sorted(known))}")
    return frozenset(items)
