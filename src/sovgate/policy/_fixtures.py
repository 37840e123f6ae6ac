"""Policy tests: YAML fixtures (providers, tenant, findings, expected outcome) run against packs.

A fixture file:

    packs: [baseline]                      # pack list for every case (a case may override)
    providers:                             # id -> preset and/or explicit facts
      us: {preset: openai}
      eu: {preset: mistral-eu, hosting: [FR]}
      de-onprem: {preset: vllm, hosting: [DE]}
    tenant: {home: DE, route: [us, eu, de-onprem]}
    cases:
      - name: health data of a German patient stays in the EU
        categories: [HEALTH]
        findings: [{kind: PERSON}, {kind: IBAN, jurisdiction: DE}]
        expect:
          eligible: [eu, de-onprem]                       # exact, in route order
          excluded: {us: baseline/special-categories-eea}  # first excluding rule per provider
          pseudonymize: {us: [EMAIL]}                     # exact set per provider
          refused: false                                  # or the refusing rule id
          fired: [baseline/special-categories-eea]        # exact, in order
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from sovgate._yaml import load as yaml_load
from sovgate.catalog import Catalog, UnknownPreset
from sovgate.policy._engine import UNKNOWN_PROVIDER, Engine
from sovgate.policy._errors import PolicyError
from sovgate.types import (
    CATEGORIES,
    ENTITY_TYPES,
    Classification,
    Decision,
    Finding,
    Provider,
    Segment,
    Tenant,
)

Classify = Callable[[Sequence[Segment]], Classification]

FILE_KEYS = ("description", "packs", "providers", "tenant", "model", "cases")
CASE_KEYS = ("name", "packs", "tenant", "model", "categories", "findings", "request", "expect")
EXPECT_KEYS = ("eligible", "excluded", "pseudonymize", "refused", "fired")
TENANT_KEYS = ("id", "home", "route")
FINDING_KEYS = ("kind", "jurisdiction", "detail")
PROVIDER_KEYS = (
    "preset",
    "id",
    "operator",
    "operator_country",
    "hosting",
    "on_prem",
    "exposure",
    "protocol",
    "base_url",
)


@dataclass(slots=True)
class CaseResult:
    file: str
    name: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    error: bool = False  # the fixture itself is broken (not a failed expectation)


def fixture_files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def run_path(
    target: Path,
    catalog: Catalog,
    classify: Classify | None = None,
    details: Mapping[str, frozenset[str]] | None = None,
) -> Iterator[CaseResult]:
    """Every case of the fixture files under `target`. `classify` finds what a case's `request`
    holds and `details` are the finding details rules may name (default: the built-in detectors';
    `policy test --config` adds a config's own)."""
    ran = False
    for path in fixture_files(target):
        for result in run_file(path, catalog, classify, details):
            ran = True
            yield result
    if not ran:
        yield CaseResult(
            str(target), "(no fixtures)", False, [f"no fixture cases under {target}"], error=True
        )


def run_file(
    path: Path,
    catalog: Catalog,
    classify: Classify | None = None,
    details: Mapping[str, frozenset[str]] | None = None,
) -> Iterator[CaseResult]:
    source = str(path)
    try:
        doc = yaml_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "pack" in doc and "cases" not in doc:
            return  # a policy pack kept next to its fixtures, not a fixture file
        suite = _Suite(source, doc, catalog, classify, details)
    except PolicyError as exc:
        yield CaseResult(source, "(load)", False, [str(exc)], error=True)
        return
    except Exception as exc:  # malformed YAML and the like: report, keep running other files
        yield CaseResult(source, "(load)", False, [f"{source}: {exc}"], error=True)
        return
    for i, case in enumerate(suite.cases):
        name = case.get("name") if isinstance(case, dict) else None
        label = name if isinstance(name, str) else f"cases[{i}]"
        try:
            problems = suite.run_case(case, f"cases[{i}]")
        except PolicyError as exc:
            yield CaseResult(source, label, False, [str(exc)], error=True)
            continue
        yield CaseResult(source, label, not problems, problems)


class _Suite:
    def __init__(
        self,
        source: str,
        doc: Any,
        catalog: Catalog,
        classify: Classify | None = None,
        details: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.source = source
        self.catalog = catalog
        self.classify = classify
        if not isinstance(doc, dict):
            raise self.fail("", "a fixture file must be a mapping with keys packs, providers, tenant, cases")
        self._check_keys(doc, FILE_KEYS, "")
        providers = doc.get("providers")
        if not isinstance(providers, dict) or not providers:
            raise self.fail("providers", "required: a mapping of provider id -> preset / facts")
        self.providers = {str(pid): self._provider(str(pid), node) for pid, node in providers.items()}
        self.packs = self._packs(doc.get("packs", ["baseline"]), "packs")
        self.tenant = doc.get("tenant") or {}
        if not isinstance(self.tenant, dict):
            raise self.fail("tenant", "must be a mapping (id, home, route)")
        self._check_keys(self.tenant, TENANT_KEYS, "tenant")
        self.model = str(doc.get("model", "chat"))
        cases = doc.get("cases")
        if not isinstance(cases, list) or not cases:
            raise self.fail("cases", "required: a non-empty list of cases")
        self.cases: list[Any] = cases
        # Compile every pack any case names, once; pack errors surface here with their own file.
        names = list(self.packs)
        for case in self.cases:
            if isinstance(case, dict) and "packs" in case:
                names += self._packs(case["packs"], "cases.packs")
        self.engine = Engine.compile(names, self.providers, catalog, details)

    def fail(self, where: str, reason: str) -> PolicyError:
        return PolicyError(self.source, where, reason)

    def _check_keys(self, node: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        for key in node:
            if key not in known:
                at = f"{where}.{key}" if where else str(key)
                raise self.fail(at, f"unknown key {key!r}; known: {', '.join(known)}")

    def _packs(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "must be a non-empty list of pack names or paths")
        base = Path(self.source).parent
        # Relative pack paths are relative to the fixture file.
        return [
            str(base / v) if ("/" in v or v.endswith((".yaml", ".yml"))) and not Path(v).is_absolute() else v
            for v in value
        ]

    def _provider(self, pid: str, node: Any) -> Provider:
        where = f"providers.{pid}"
        if not isinstance(node, dict):
            raise self.fail(where, "must be a mapping")
        self._check_keys(node, PROVIDER_KEYS, where)
        fields: dict[str, Any] = {}
        if "preset" in node:
            try:
                base = self.catalog.preset(str(node["preset"]))
            except UnknownPreset as exc:
                raise self.fail(f"{where}.preset", str(exc)) from None
        else:
            base = Provider(id=pid)
        for key in ("operator", "operator_country", "protocol", "base_url"):
            if key in node:
                fields[key] = str(node[key])
        if "on_prem" in node:
            fields["on_prem"] = bool(node["on_prem"])
        if "hosting" in node:
            try:
                fields["hosting"] = self.catalog.expand(list(node["hosting"]))
            except (KeyError, TypeError) as exc:
                raise self.fail(f"{where}.hosting", str(exc)) from None
        if "exposure" in node:
            fields["exposure"] = tuple(node["exposure"])
        elif "operator_country" in node:
            fields["exposure"] = self.catalog.exposure_for(fields["operator_country"])
        return msgspec.structs.replace(base, id=pid, **fields)

    def _classification(self, case: dict[str, Any], where: str) -> Classification:
        if "request" in case:
            return _classify_request(case["request"], self.fail, f"{where}.request", self.classify)
        findings = []
        for i, f in enumerate(case.get("findings") or []):
            at = f"{where}.findings[{i}]"
            if isinstance(f, dict):
                self._check_keys(f, FINDING_KEYS, at)
            if not isinstance(f, dict) or f.get("kind") not in (*ENTITY_TYPES, *CATEGORIES):
                raise self.fail(f"{at}.kind", f"must be one of {', '.join((*ENTITY_TYPES, *CATEGORIES))}")
            j = f.get("jurisdiction")
            if j is not None and not self.catalog.is_country(str(j)):
                raise self.fail(f"{at}.jurisdiction", f"unknown country {j!r}")
            d = f.get("detail")
            if d is not None and f["kind"] not in self.engine.details.get(d, ()):
                # a typo here would be a case that tests nothing (no `details:` rule could match it)
                known = sorted(x for x, kinds in self.engine.details.items() if f["kind"] in kinds)
                close = difflib.get_close_matches(str(d), known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise self.fail(
                    f"{at}.detail", f"no detector gives {f['kind']} findings the detail {d!r}{hint}"
                )
            findings.append(Finding(kind=f["kind"], start=0, end=1, jurisdiction=j, detail=d))
        cats = case.get("categories") or []
        for c in cats:
            if c not in CATEGORIES:
                raise self.fail(
                    f"{where}.categories", f"unknown category {c!r}; known: {', '.join(CATEGORIES)}"
                )
        return Classification(findings=tuple(findings), categories=frozenset(cats))

    def run_case(self, case: Any, where: str) -> list[str]:
        if not isinstance(case, dict):
            raise self.fail(where, "a case must be a mapping")
        self._check_keys(case, CASE_KEYS, where)
        case_tenant = case.get("tenant") or {}
        if not isinstance(case_tenant, dict):
            raise self.fail(f"{where}.tenant", "must be a mapping (id, home, route)")
        self._check_keys(case_tenant, TENANT_KEYS, f"{where}.tenant")
        t = {**self.tenant, **case_tenant}
        home = t.get("home")
        if not isinstance(home, str) or not self.catalog.is_country(home):
            raise self.fail(f"{where}.tenant.home", f"required ISO country code, got {home!r}")
        route = t.get("route") or list(self.providers)
        for pid in route:
            if pid not in self.providers:
                raise self.fail(f"{where}.tenant.route", f"unknown provider {pid!r}")
        packs = self._packs(case["packs"], f"{where}.packs") if "packs" in case else self.packs
        tenant = Tenant(
            id=str(t.get("id", "fixture")),
            home=home,
            api_key_sha256="0" * 64,
            policies=tuple(packs),
            route=tuple(route),
        )
        decision = self.engine.decide(
            tenant, self._classification(case, where), str(case.get("model", self.model))
        )
        expect = case.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise self.fail(f"{where}.expect", "required: at least one of " + ", ".join(EXPECT_KEYS))
        self._check_keys(expect, EXPECT_KEYS, f"{where}.expect")
        rules = {r.key for pack in self.engine.packs(tuple(packs)) for r in pack.rules} | {UNKNOWN_PROVIDER}
        self._check_expect(expect, f"{where}.expect", rules)
        return compare(decision, expect)

    def _check_expect(self, expect: dict[str, Any], where: str, rules: set[str]) -> None:
        """Typos in an expectation are fixture errors, not silent failures."""

        def provider(pid: Any, at: str) -> None:
            if pid not in self.providers:
                raise self.fail(at, f"unknown provider {pid!r}; known: {', '.join(self.providers)}")

        def rule(rid: Any, at: str) -> None:
            if rid not in rules:
                raise self.fail(at, f"no rule {rid!r} in this case's packs")

        for key in ("eligible", "fired"):
            if key in expect and not isinstance(expect[key] or [], list):
                raise self.fail(f"{where}.{key}", "must be a list")
        for key in ("excluded", "pseudonymize"):
            if key in expect and not isinstance(expect[key] or {}, dict):
                raise self.fail(f"{where}.{key}", "must map provider ids to expectations")
        for pid in expect.get("eligible") or []:
            provider(pid, f"{where}.eligible")
        for pid, rid in (expect.get("excluded") or {}).items():
            provider(pid, f"{where}.excluded")
            if rid is not None:
                rule(rid, f"{where}.excluded.{pid}")
        for pid, types in (expect.get("pseudonymize") or {}).items():
            provider(pid, f"{where}.pseudonymize")
            for t in types or []:
                if t not in ENTITY_TYPES:
                    raise self.fail(f"{where}.pseudonymize.{pid}", f"unknown entity type {t!r}")
        for rid in expect.get("fired") or []:
            rule(rid, f"{where}.fired")
        refused = expect.get("refused")
        if isinstance(refused, str):
            rule(refused, f"{where}.refused")
        elif refused is not None and not isinstance(refused, bool):
            raise self.fail(f"{where}.refused", "true, false or a rule id")


def compare(d: Decision, expect: dict[str, Any]) -> list[str]:
    """Differences between a decision and the expected outcome, in words."""
    problems = []
    if "eligible" in expect:
        want = list(expect["eligible"] or [])
        if list(d.eligible) != want:
            problems.append(f"eligible: expected {want}, got {list(d.eligible)}")
    if "refused" in expect:
        want_r = expect["refused"]
        got = d.refused.rule if d.refused else None
        if want_r is True:
            ok = got is not None
        elif want_r in (False, None):
            ok = got is None
        else:
            ok = got == want_r
        if not ok:
            problems.append(f"refused: expected {want_r}, got {got or 'not refused'}")
    for pid, rule in (expect.get("excluded") or {}).items():
        v = d.verdict(pid)
        got = v.excluded_by if v else "(not in route)"
        if got != rule:
            problems.append(f"excluded {pid}: expected {rule}, got {got}")
    for pid, types in (expect.get("pseudonymize") or {}).items():
        v = d.verdict(pid)
        got_t = sorted(v.pseudonymize) if v else None
        if got_t != sorted(types or []):
            problems.append(f"pseudonymize {pid}: expected {sorted(types or [])}, got {got_t}")
    if "fired" in expect:
        got_f = [f.rule for f in d.fired]
        if got_f != list(expect["fired"] or []):
            problems.append(f"fired: expected {list(expect['fired'] or [])}, got {got_f}")
    return problems


def _classify_request(body: Any, fail: Any, where: str, classify: Classify | None = None) -> Classification:
    """Classify a request body with the real classifier (cases may give a request instead of findings)."""
    try:
        from sovgate.classify import Classifier  # type: ignore[attr-defined]
        from sovgate.messages import extract_segments  # type: ignore[attr-defined]
    except ImportError:
        raise fail(
            where, "the classifier (sovgate.classify.Classifier) is not available; give findings"
        ) from None
    if not isinstance(body, dict):
        raise fail(where, "must be a chat request body (mapping)")
    return (classify or Classifier.default().classify)(extract_segments(body))
