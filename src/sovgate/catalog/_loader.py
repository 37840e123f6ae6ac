"""Reading and validating the catalog's YAML data files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec
import yaml

from sovgate._yaml import load as yaml_load
from sovgate.catalog._jurisdictions import (
    ADEQUACY_SCOPES,
    ISO_COUNTRIES,
    Adequacy,
    Bloc,
    ExposureLaw,
    Fact,
    Jurisdictions,
)
from sovgate.catalog._presets import PRESET_KINDS, PresetInfo
from sovgate.types import Provider

STATUSES = ("V", "S", "U")
AUTH_STYLES = ("bearer", "api-key", "x-api-key", "x-goog-api-key", "none")
PROTOCOLS = ("openai", "preview", "anthropic", "gemini", "azure")


class CatalogError(ValueError):
    """A catalog data file is malformed; the message names file, key path and reason."""


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.doc = yaml_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CatalogError(f"{path}: cannot read YAML: {exc}") from exc
        if not isinstance(self.doc, dict):
            raise CatalogError(f"{path}: top level must be a mapping")

    def fail(self, key: str, reason: str) -> CatalogError:
        return CatalogError(f"{self.path}: {key}: {reason}")

    def str_(self, node: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "required string" if value is None else "must be a string")
        return value

    def list_(self, node: dict[str, Any], key: str, where: str) -> list[Any]:
        value = node.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "must be a list")
        return value

    def fact(self, node: dict[str, Any], where: str) -> Fact:
        sources = self.list_(node, "sources", where)
        if not sources or not all(isinstance(s, str) and s.startswith("http") for s in sources):
            raise self.fail(f"{where}.sources", "needs at least one source URL")
        checked = self.str_(node, "checked", where)
        try:
            dt.date.fromisoformat(checked)
        except ValueError:
            raise self.fail(f"{where}.checked", f"not an ISO date: {checked!r}") from None
        status = self.str_(node, "status", where)
        if status not in STATUSES:
            raise self.fail(f"{where}.status", f"must be one of {', '.join(STATUSES)}")
        return Fact(sources=tuple(sources), checked=checked, status=status)


def load_jurisdictions(path: Path) -> Jurisdictions:
    r = _Reader(path)
    doc = r.doc
    names = doc.get("countries", {})
    for code in names:
        if code not in ISO_COUNTRIES:
            raise r.fail(f"countries.{code}", "not an ISO 3166-1 alpha-2 code")
    raw_blocs = doc.get("blocs", {})
    blocs: dict[str, Bloc] = {}
    # Blocs may include earlier blocs (EEA includes EU); resolve in file order.
    for name, node in raw_blocs.items():
        where = f"blocs.{name}"
        members: set[str] = set()
        for inc in r.list_(node, "includes", where):
            if inc not in blocs:
                raise r.fail(f"{where}.includes", f"unknown or later bloc {inc!r}")
            members |= blocs[inc].members
        for code in r.list_(node, "members", where):
            if code not in ISO_COUNTRIES:
                raise r.fail(f"{where}.members", f"not an ISO 3166-1 alpha-2 code: {code!r}")
            members.add(code)
        blocs[name] = Bloc(
            name=r.str_(node, "name", where), members=frozenset(members), fact=r.fact(node, where)
        )
    adequacy = []
    for i, node in enumerate(r.list_(doc, "adequacy", "")):
        where = f"adequacy[{i}]"
        countries = r.list_(node, "countries", where)
        for code in countries:
            if code not in ISO_COUNTRIES:
                raise r.fail(f"{where}.countries", f"not an ISO 3166-1 alpha-2 code: {code!r}")
        scope = r.str_(node, "scope", where)
        if scope not in ADEQUACY_SCOPES:
            raise r.fail(f"{where}.scope", f"must be one of {', '.join(ADEQUACY_SCOPES)}")
        adequacy.append(
            Adequacy(
                countries=tuple(countries),
                scope=scope,
                note=r.str_(node, "note", where, ""),
                fact=r.fact(node, where),
                since=r.str_(node, "since", where, "") or None,
                until=r.str_(node, "until", where, "") or None,
            )
        )
    laws = {}
    for law_id, node in doc.get("exposure_laws", {}).items():
        where = f"exposure_laws.{law_id}"
        country = r.str_(node, "country", where)
        if country not in ISO_COUNTRIES:
            raise r.fail(f"{where}.country", f"not an ISO 3166-1 alpha-2 code: {country!r}")
        laws[law_id] = ExposureLaw(
            id=law_id,
            country=country,
            name=r.str_(node, "name", where),
            summary=r.str_(node, "summary", where, ""),
            fact=r.fact(node, where),
        )
    return Jurisdictions(names=names, blocs=blocs, adequacy=adequacy, exposure_laws=laws)


def load_presets(path: Path, juris: Jurisdictions) -> dict[str, PresetInfo]:
    r = _Reader(path)
    out: dict[str, PresetInfo] = {}
    for pid, node in r.doc.items():
        where = str(pid)
        if not isinstance(node, dict):
            raise r.fail(where, "must be a mapping")
        kind = r.str_(node, "kind", where)
        if kind not in PRESET_KINDS:
            raise r.fail(f"{where}.kind", f"must be one of {', '.join(PRESET_KINDS)}")
        protocol = r.str_(node, "protocol", where)
        if protocol not in PROTOCOLS:
            raise r.fail(f"{where}.protocol", f"must be one of {', '.join(PROTOCOLS)}")
        auth = r.str_(node, "auth", where)
        if auth not in AUTH_STYLES:
            raise r.fail(f"{where}.auth", f"must be one of {', '.join(AUTH_STYLES)}")
        on_prem = bool(node.get("on_prem", False))
        operator_country = r.str_(node, "operator_country", where, "")
        if operator_country and operator_country not in ISO_COUNTRIES:
            raise r.fail(f"{where}.operator_country", f"not an ISO 3166-1 alpha-2 code: {operator_country!r}")
        if not on_prem and not operator_country:
            raise r.fail(f"{where}.operator_country", "required for a provider that is not on_prem")
        declared = r.list_(node, "hosting", where)
        try:
            hosting = juris.expand(declared)
        except KeyError as exc:
            raise r.fail(f"{where}.hosting", str(exc.args[0])) from None
        models = node.get("models", {})
        if not isinstance(models, dict) or not all(isinstance(v, str) for v in models.values()):
            raise r.fail(f"{where}.models", "must map virtual names to upstream model names")
        flags = node.get("flags", {})
        if not isinstance(flags, dict) or not all(v in ("S", "U") for v in flags.values()):
            raise r.fail(f"{where}.flags", "must map fact names to S or U")
        country = r.str_(node, "country", where, "")
        if country and not juris.is_jurisdiction(country):
            raise r.fail(f"{where}.country", f"unknown jurisdiction {country!r}")
        fact = r.fact(node, where)
        provider = Provider(
            id=pid,
            protocol=protocol,
            base_url=r.str_(node, "base_url", where),
            api_key_env=node.get("api_key_env"),
            auth=auth,
            operator=r.str_(node, "operator", where),
            operator_country=operator_country,
            hosting=hosting,
            on_prem=on_prem,
            exposure=juris.exposure_for(operator_country),
            models=dict(models),
            stream_usage=bool(node.get("stream_usage", False)),
            preset=pid,
            sources=fact.sources,
        )
        try:
            out[pid] = PresetInfo(
                id=pid,
                name=r.str_(node, "name", where),
                kind=kind,
                provider=provider,
                hosting_declared=tuple(declared),
                open_weights=bool(node.get("open_weights", False)),
                license=r.str_(node, "license", where, ""),
                languages=tuple(str(x) for x in r.list_(node, "languages", where)),
                initiative=bool(node.get("initiative", False)),
                country=country or operator_country,
                developer=r.str_(node, "developer", where, ""),
                developer_country=r.str_(node, "developer_country", where, ""),
                flags=dict(flags),
                note=" ".join(r.str_(node, "note", where, "").split()),
                fact=fact,
            )
        except msgspec.ValidationError as exc:  # pragma: no cover - guarded by the checks above
            raise r.fail(where, str(exc)) from None
    return out
