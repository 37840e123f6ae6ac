"""Small stand-ins for classify / policy / protect / audit, for unit tests of the gateway's own parts.

They follow the contracts in docs/ARCHITECTURE.md with deliberately simple rules,
so a test can tell which behaviour comes from the gateway. End-to-end tests use
the real packages instead.
"""

from __future__ import annotations

import re
from typing import Any

from sovgate.gateway._protection import ProtectionImpossible
from sovgate.gateway.config import Config
from sovgate.gateway.record import RequestRecord
from sovgate.messages import replace_segments
from sovgate.types import Classification, Decision, Finding, FiredRule, ProviderVerdict, Segment, Tenant

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EU = {"DE", "FR", "IT", "ES", "NL", "AT", "BE", "IE", "PL", "SE", "FI", "DK", "PT", "LU"}


def classify(segments: list[Segment]) -> Classification:
    findings: list[Finding] = []
    categories: set[str] = set()
    for i, seg in enumerate(segments):
        for m in EMAIL.finditer(seg.text):
            juris = "DE" if m.group().endswith(".de") else None
            findings.append(Finding("EMAIL", m.start(), m.end(), jurisdiction=juris, segment=i))
        if "PRIVATE KEY-----" in seg.text:
            at = seg.text.index("PRIVATE KEY-----")
            findings.append(Finding("SECRET", at, at + 16, segment=i, detail="private_key"))
            categories.add("SECRET")
        if "VS-NfD" in seg.text:
            at = seg.text.index("VS-NfD")
            findings.append(Finding("CLASSIFIED", at, at + 6, jurisdiction="DE", segment=i, detail="VS-NfD"))
            categories.add("CLASSIFIED")
    return Classification(tuple(findings), frozenset(categories))


def make_decide(config: Config) -> Any:
    providers = {p.id: p for p in config.providers}

    def decide(tenant: Tenant, c: Classification, model: str) -> Decision:
        if "SECRET" in c.categories:
            rule = FiredRule("test/secret", "refuse", "secrets are never sent")
            return Decision((rule,), (), rule)
        fired: list[FiredRule] = []
        verdicts = []
        for pid in tenant.route:
            p = providers[pid]
            if "CLASSIFIED" in c.categories and not (p.on_prem and tenant.home in p.hosting):
                verdicts.append(
                    ProviderVerdict(pid, False, excluded_by="test/classified", reason="not on-prem")
                )
            elif c.personal and not set(p.hosting) <= EU:
                verdicts.append(ProviderVerdict(pid, True, frozenset(c.entity_types)))
            else:
                verdicts.append(ProviderVerdict(pid, True))
        if "CLASSIFIED" in c.categories:
            fired.append(FiredRule("test/classified", "require_on_prem", "classified stays on-prem"))
        if c.personal:
            fired.append(FiredRule("test/personal", "pseudonymize", "personal data outside the EU"))
        return Decision(tuple(fired), tuple(verdicts))

    return decide


class _Restorer:
    """Holds back from the last '[' until its ']' arrives, like protect's StreamRestorer."""

    def __init__(self, mapping: dict[str, str]):
        self.mapping, self.buf = mapping, ""

    def feed(self, text: str) -> str:
        self.buf += text
        cut = self.buf.rfind("[")
        if cut >= 0 and "]" not in self.buf[cut:]:
            out, self.buf = self.buf[:cut], self.buf[cut:]
        else:
            out, self.buf = self.buf, ""
        return _sub(out, self.mapping)

    def flush(self) -> str:
        out, self.buf = self.buf, ""
        return _sub(out, self.mapping)


def _sub(text: str, mapping: dict[str, str]) -> str:
    for token, value in mapping.items():
        text = text.replace(token, value)
    return text


class Protected:
    def __init__(self, body: dict[str, Any], mapping: dict[str, str], types: tuple[str, ...]):
        self.body, self.mapping, self.types = body, mapping, types

    def restore(self, text: str, in_json: bool = False) -> str:
        return _sub(text, self.mapping)

    def stream_restorer(self, in_json: bool = False) -> _Restorer:
        return _Restorer(self.mapping)


async def protect(
    body: dict[str, Any],
    segments: list[Segment],
    c: Classification,
    verdict: ProviderVerdict,
    conversation: str | None = None,
) -> Protected:
    """Masks finding spans with [KIND_n]; refuses (like sovgate.protect) spans it cannot rewrite."""
    for f in c.findings:
        if f.kind in verdict.pseudonymize and segments[f.segment].kind == "image_url":
            raise ProtectionImpossible(f"a {f.kind} inside an image URL cannot be pseudonymized")
    mapping: dict[str, str] = {}
    texts: dict[int, str] = {}
    for f in sorted(c.findings, key=lambda f: -f.start):
        if f.kind not in verdict.pseudonymize:
            continue
        text = texts.get(f.segment, segments[f.segment].text)
        value = segments[f.segment].text[f.start : f.end]
        token = next((t for t, v in mapping.items() if v == value), None) or f"[{f.kind}_{len(mapping) + 1}]"
        mapping[token] = value
        texts[f.segment] = text[: f.start] + token + text[f.end :]
    new = replace_segments(body, {segments[i].path: t for i, t in texts.items()})
    return Protected(new, mapping, tuple(sorted(verdict.pseudonymize)))


class AuditList:
    """Appends records to a list, write-ahead records to `ahead`; `fail` makes both raise (the
    gateway must fail closed)."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []
        self.ahead: list[RequestRecord] = []
        self.fail = False

    async def dispatch(self, rec: RequestRecord) -> None:
        if self.fail:
            raise OSError("disk full")
        self.ahead.append(rec)

    async def __call__(self, rec: RequestRecord) -> int:
        if self.fail:
            raise OSError("disk full")
        self.records.append(rec)
        return len(self.records) - 1

    def by_id(self, rid: str) -> RequestRecord:
        return next(r for r in self.records if r.id == rid)
