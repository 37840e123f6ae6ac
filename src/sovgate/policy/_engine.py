"""The policy `Engine`: packs compiled once, `decide()` per request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sovgate.catalog import Catalog
from sovgate.policy._errors import PolicyError
from sovgate.policy._packs import Pack, load_pack
from sovgate.policy._providers import ProviderFacts, provider_facts
from sovgate.policy._request import Request
from sovgate.policy._rules import Rule
from sovgate.types import Classification, Decision, FiredRule, Provider, ProviderVerdict, Tenant

UNKNOWN_PROVIDER = "sovgate/unknown-provider"


class Engine:
    """Decides, per request, which of a tenant's providers may see the data and how.

    Packs compose in the tenant's order: every pack's restrictions apply (a provider must satisfy all
    packs); a `refuse` anywhere refuses the request. Inside one pack, an `allow` rule that fires shields
    the providers it targets from that pack's later rules (an exception, never overriding another pack).
    A provider's `excluded_by` is the first rule, in pack order, that excluded it.
    """

    def __init__(
        self,
        providers: Mapping[str, Provider] | Sequence[Provider],
        catalog: Catalog,
        details: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.catalog = catalog
        # the finding details `when: {details: ...}` may name (default: the built-in detectors');
        # give `sovgate.classify.details.known_details(custom)` to add the organization's own
        if details is None:
            from sovgate.classify.details import builtin_details

            details = builtin_details()
        self.details = details
        # A mapping is keyed by the ids routes use; a sequence by each provider's own id.
        self.providers = dict(providers) if isinstance(providers, Mapping) else {p.id: p for p in providers}
        self._ids = frozenset(self.providers)
        self._facts: list[ProviderFacts] = provider_facts(self.providers, catalog)
        self._index = {f.id: f.idx for f in self._facts}
        self._packs: dict[str, Pack] = {}
        self._chains: dict[tuple[str, ...], tuple[Pack, ...]] = {}
        self._routes: dict[tuple[str, ...], tuple[tuple[str, int | None], ...]] = {}
        self._verdicts: dict[tuple[str, object], ProviderVerdict] = {}
        self.default_packs: tuple[str, ...] = ()

    @classmethod
    def compile(
        cls,
        packs: Sequence[str | Path],
        providers: Mapping[str, Provider] | Sequence[Provider],
        catalog: Catalog,
        details: Mapping[str, frozenset[str]] | None = None,
    ) -> Engine:
        """Load and compile `packs` (built-in names or YAML paths). Raises PolicyError on any defect.

        Tenants naming other packs get them compiled on first use (and cached); compile every pack any
        tenant uses here so that defects surface at start-up.
        """
        engine = cls(providers, catalog, details)
        names = tuple(engine.load(p).name for p in packs)
        engine.default_packs = names
        return engine

    def load(self, spec: str | Path) -> Pack:
        key = str(spec)
        pack = self._packs.get(key)
        if pack is None:
            pack = load_pack(spec, self.catalog, self._ids, self._facts, self.details)
            other = self._packs.get(pack.name)
            if other is not None and other.source != pack.source:
                raise PolicyError(
                    pack.source, "pack", f"pack name {pack.name!r} already loaded from {other.source}"
                )
            self._packs[key] = self._packs[pack.name] = pack
        return pack

    def packs(self, specs: Sequence[str] | None = None) -> tuple[Pack, ...]:
        """The compiled packs of a pack list (default: the list given to `compile`)."""
        key = tuple(specs) if specs else self.default_packs
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = tuple(self.load(s) for s in key)
        return chain

    def _route(self, route: tuple[str, ...]) -> tuple[tuple[str, int | None], ...]:
        r = self._routes.get(route)
        if r is None:
            r = self._routes[route] = tuple((pid, self._index.get(pid)) for pid in route)
        return r

    def decide(self, tenant: Tenant, classification: Classification, model: str) -> Decision:
        chain = self._chains.get(tenant.policies) or self.packs(tenant.policies)
        req = Request(tenant.id, tenant.home, model, classification)
        present = req.present
        fired: list[FiredRule] = []
        refused: FiredRule | None = None
        excluded: dict[int, Rule] = {}
        # (targets, entity types, rule) per firing pseudonymize rule; resolved per provider below, which
        # is cheaper than a dict update per target (most rules mask the same set: the request's types).
        pseudo: list[tuple[frozenset[int], frozenset[str], Rule]] = []
        for pack in chain:
            shielded: frozenset[int] = frozenset()
            for rule in pack.rules:
                t = rule.when.triggers
                if t is not None and t.isdisjoint(present):
                    continue
                if not rule.when.test(req):
                    continue
                fired.append(rule.fired)
                effect = rule.effect
                if effect == "refuse":
                    if refused is None:
                        refused = rule.fired
                    continue
                targets = rule.targets(req)
                if shielded:
                    targets = targets - shielded
                if effect == "allow":
                    shielded = shielded | targets
                elif effect == "pseudonymize":
                    entities = rule.pseudonymize(req)
                    if entities and targets:
                        pseudo.append((targets, entities, rule))
                else:  # deny_provider, require_on_prem: the first exclusion of a provider sticks
                    for i in targets - excluded.keys():
                        excluded[i] = rule
        verdicts = []
        for pid, idx in self._route(tenant.route):
            if idx is None:
                verdicts.append(
                    ProviderVerdict(
                        pid, False, excluded_by=UNKNOWN_PROVIDER, reason="provider is not configured"
                    )
                )
                continue
            excluder = excluded.get(idx)
            if excluder is not None:
                reason = excluder.fired.reason
                verdicts.append(ProviderVerdict(pid, False, excluded_by=excluder.key, reason=reason))
            elif refused is not None:
                verdicts.append(ProviderVerdict(pid, False, excluded_by=refused.rule, reason=refused.reason))
            else:
                mask: frozenset[str] | None = None
                by: Rule | None = None
                for targets, entities, prule in pseudo:
                    if idx in targets:
                        if mask is None:
                            mask, by = entities, prule
                        elif entities is not mask and not entities <= mask:
                            mask = mask | entities
                if by is not None and mask is not None:
                    verdicts.append(ProviderVerdict(pid, True, pseudonymize=mask, reason=by.fired.reason))
                else:
                    verdicts.append(ProviderVerdict(pid, True))
        return Decision(fired=tuple(fired), verdicts=tuple(verdicts), refused=refused)
