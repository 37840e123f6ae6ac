"""Policy decision speed: five packs, twenty providers (issue 4, item 7: <= 20 µs median).

    python bench/policy/bench_decide.py            # from the repository root

Prints, per request shape, the median and p99 of `Engine.decide` in µs, and two ratios measured in the
same run: against the 20 µs budget, and against a reference that only builds the Decision's twenty
ProviderVerdicts (the output every decision must allocate, with no rule evaluated).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from sovgate.catalog import Catalog
from sovgate.policy import Engine
from sovgate.types import Classification, Decision, Finding, ProviderVerdict, Tenant

BUDGET_US = 20.0
PACKS = ("secrets", "classified", "eu-gdpr", "cn-pipl", "ru-242fz")
PRESETS = (
    "openai",
    "openai-eu",
    "azure-openai-eu",
    "gemini",
    "anthropic",
    "mistral",
    "mistral-eu",
    "ionos",
    "stackit",
    "ovhcloud",
    "scaleway",
    "qwen-cn",
    "qwen-intl",
    "qwen-eu",
    "ernie",
    "hunyuan",
    "deepseek",
    "sarvam",
)
ROUNDS = 20_000


def providers(cat: Catalog) -> dict:
    out = {name: cat.preset(name) for name in PRESETS}
    out["de-onprem"] = msgspec.structs.replace(cat.preset("vllm"), id="de-onprem", hosting=("DE",))
    out["fr-onprem"] = msgspec.structs.replace(cat.preset("llama-cpp"), id="fr-onprem", hosting=("FR",))
    assert len(out) == 20
    return out


def f(kind: str, j: str | None = None) -> Finding:
    return Finding(kind=kind, start=0, end=5, jurisdiction=j)


CASES = {
    "nothing sensitive": Classification(),
    "EU personal (3 findings)": Classification(findings=(f("PERSON"), f("EMAIL"), f("IBAN", "FR"))),
    "EU health": Classification(findings=(f("PERSON"), f("PHONE", "DE")), categories=frozenset({"HEALTH"})),
    "DE+CN+RU people (6 findings)": Classification(
        findings=(
            f("PERSON"),
            f("EMAIL", "DE"),
            f("PHONE", "CN"),
            f("NATIONAL_ID", "CN"),
            f("PHONE", "RU"),
            f("IP_ADDRESS"),
        )
    ),
    "marking": Classification(findings=(f("CLASSIFIED", "DE"),)),
    "secret": Classification(findings=(f("SECRET"),)),
}


def timed(fn, rounds: int) -> list[float]:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        t0 = clock()
        fn()
        samples.append((clock() - t0) / 1000)
    return samples


def main() -> None:
    cat = Catalog.builtin()
    provs = providers(cat)
    engine = Engine.compile(PACKS, provs, cat)
    tenant = Tenant(id="bench", home="DE", api_key_sha256="", policies=PACKS, route=tuple(provs))
    ids = tuple(provs)

    def reference() -> Decision:
        return Decision(verdicts=tuple(ProviderVerdict(p, True) for p in ids))

    for _ in range(2000):  # warm caches (memoized dynamic targets, pack chain)
        for c in CASES.values():
            engine.decide(tenant, c, "chat")
        reference()
    ref = statistics.median(timed(reference, ROUNDS))
    print(f"policy decide: {len(PACKS)} packs ({', '.join(PACKS)}), {len(provs)} providers, {ROUNDS} rounds")
    print(f"reference (build 20 verdicts, no rules): median {ref:.2f} µs")
    print(f"{'request':32} {'median µs':>10} {'p99 µs':>8} {'x budget':>9} {'x reference':>12}  eligible")
    worst = 0.0
    for name, c in CASES.items():
        samples = timed(lambda c=c: engine.decide(tenant, c, "chat"), ROUNDS)
        med = statistics.median(samples)
        p99 = statistics.quantiles(samples, n=100)[98]
        worst = max(worst, med)
        n = len(engine.decide(tenant, c, "chat").eligible)
        print(f"{name:32} {med:10.2f} {p99:8.2f} {med / BUDGET_US:9.2f} {med / ref:12.1f}  {n}/20")
    verdict = "OK" if worst <= BUDGET_US else "OVER BUDGET"
    print(f"worst median {worst:.2f} µs vs budget {BUDGET_US:.0f} µs: {verdict}")
    t0 = time.perf_counter()
    Engine.compile(PACKS, provs, cat)
    print(f"compile (once at start-up): {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
