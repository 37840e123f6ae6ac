"""Plain data shared by every capability.

These structs are the contracts between packages: classify produces `Finding`s,
policy turns them into a `Decision`, protect and route act on the decision, audit
records it. They are msgspec structs: cheap to build, cheap to serialize, frozen
where sharing them across requests must be safe.

Jurisdictions are ISO 3166-1 alpha-2 country codes ("DE", "CN"). Blocs ("EU",
"EEA") are expanded by `sovgate.catalog`, never stored in a finding.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Jurisdiction = str
"""ISO 3166-1 alpha-2 code, upper case."""

# Canonical entity types (issue 3): used verbatim in the API, audit and CLI.
ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "EMAIL",
    "PHONE",
    "IBAN",
    "CREDIT_CARD",
    "NATIONAL_ID",
    "ADDRESS",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
)

# Categories found on top of entities. The first group are GDPR Art. 9 special
# categories (plus Art. 10 criminal data); the rest are handled by their own rules.
SPECIAL_CATEGORIES: tuple[str, ...] = (
    "HEALTH",
    "GENETIC",
    "BIOMETRIC",
    "RACIAL_ETHNIC",
    "POLITICAL",
    "RELIGIOUS",
    "TRADE_UNION",
    "SEX_LIFE",
    "CRIMINAL",
)
OTHER_CATEGORIES: tuple[str, ...] = ("FINANCIAL", "SECRET", "CLASSIFIED")
CATEGORIES: tuple[str, ...] = SPECIAL_CATEGORIES + OTHER_CATEGORIES

SegmentKind = Literal["text", "tool_arguments", "image_url", "file", "audio", "name"]


class Segment(msgspec.Struct, frozen=True):
    """One piece of text inside a request body, addressed by its JSON path.

    `path` is the sequence of keys / indices from the body root, e.g.
    ("messages", 2, "content", 0, "text") or ("input", 3).
    """

    path: tuple[str | int, ...]
    text: str
    kind: SegmentKind = "text"
    role: str | None = None  # the chat role of the message it belongs to


class Finding(msgspec.Struct, frozen=True):
    """Something sensitive found in one segment.

    `kind` is an entity type (ENTITY_TYPES) or a category (CATEGORIES).
    `start`/`end` are Python str offsets into `Segment.text` of segment `segment`
    (end exclusive). `detail` names the sub-kind without the value, e.g. "de.idnr",
    "aws_access_key", "VS-NfD", "ICD-10"; never raw sensitive text.
    `jurisdiction` is whose law the data belongs to, where knowable: the issuing
    country of an ID or IBAN, a phone number's country, a marking's country.
    """

    kind: str
    start: int
    end: int
    score: float = 1.0
    jurisdiction: Jurisdiction | None = None
    segment: int = 0
    detail: str | None = None


class Classification(msgspec.Struct, frozen=True):
    """All findings of one request, with the summary policy needs.

    `categories` only contains a special category when it concerns an identifiable
    person in the same request (a general question about diabetes is not HEALTH).
    `languages` are the detected/hinted ISO 639-1 codes.
    """

    findings: tuple[Finding, ...] = ()
    categories: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()

    @property
    def entity_types(self) -> frozenset[str]:
        return frozenset(f.kind for f in self.findings if f.kind in ENTITY_TYPES)

    @property
    def personal(self) -> bool:
        return any(f.kind in ENTITY_TYPES for f in self.findings)


class CustomRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An organization's own detector (`gateway.detection.custom`; sovgate.classify.custom):
    what `pattern` (a regular expression; its group `value`, if any, is the finding) or one of
    `terms` (whole words or phrases, case-insensitive) finds is reported as `kind`."""

    detail: str  # names the rule in findings, `explain` and errors, e.g. "acme.employee_id"
    kind: str  # an entity type (ENTITY_TYPES) or a category (CATEGORIES)
    pattern: str = ""
    terms: tuple[str, ...] = ()
    jurisdiction: Jurisdiction = ""  # whose data (or, for CLASSIFIED, whose marking) it is; "": unknown


# --- catalog & configuration ------------------------------------------------

Protocol = Literal["openai", "preview", "anthropic", "gemini", "azure"]
AuthStyle = Literal["bearer", "api-key", "x-api-key", "x-goog-api-key", "none"]


class Provider(msgspec.Struct, frozen=True, kw_only=True):
    """One upstream the gateway may send data to, with the facts policy uses."""

    id: str
    protocol: str = "openai"
    base_url: str = ""
    api_key_env: str | None = None
    auth: str = "bearer"
    operator: str = ""
    operator_country: Jurisdiction = ""
    hosting: tuple[Jurisdiction, ...] = ()
    on_prem: bool = False
    # The operator is certified under the EU-US Data Privacy Framework: only then does the US adequacy
    # decision (scope "dpf") cover transfers to it. Never set by a preset; the deployer asserts it.
    dpf_certified: bool = False
    # Foreign laws giving extraterritorial access to the operator, e.g.
    # ("US-CLOUD-ACT",) or ("CN-NIL",). Derived from operator_country by the catalog
    # when a config does not say.
    exposure: tuple[str, ...] = ()
    models: dict[str, str] = {}  # virtual name -> upstream model
    timeout_s: float = 60.0
    # It streams a usage chunk when asked (`stream_options.include_usage`, OpenAI's wire): the
    # gateway then asks on the streams whose tokens it counts. Off by default: some providers that
    # speak the OpenAI wire refuse the field with a 422 (Mistral).
    stream_usage: bool = False
    preset: str | None = None
    sources: tuple[str, ...] = ()


class RateLimit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # sustained rate, across every worker and host when shared; None: requests are not counted
    requests_per_minute: float | None = None
    burst: int = 0  # requests allowed at once after a pause; 0: one second's worth (at least 1)
    # tokens (as the provider reports them) per minute; a minute's worth may go at once; None: not counted
    tokens_per_minute: int | None = None


class Tenant(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    home: Jurisdiction
    api_key_sha256: str  # hex sha256 of the bearer token
    policies: tuple[str, ...] = ("baseline",)
    route: tuple[str, ...] = ()  # preference order of provider ids
    # another sovgate gateway (federation): may send x-sovgate-forwarded-*; never forwarded again
    peer: bool = False
    rate_limit: RateLimit | None = None  # None: unlimited


# --- decisions ---------------------------------------------------------------

Effect = Literal["allow", "pseudonymize", "deny_provider", "refuse", "require_on_prem"]


class FiredRule(msgspec.Struct, frozen=True):
    rule: str  # "<pack>/<rule id>"
    effect: str
    reason: str
    citation: str = ""


class ProviderVerdict(msgspec.Struct, frozen=True):
    """What the decision says about one provider of the tenant's route."""

    provider: str
    eligible: bool
    # entity types that must be pseudonymized before this provider sees them
    pseudonymize: frozenset[str] = frozenset()
    excluded_by: str | None = None  # rule id of the first rule that excluded it
    reason: str | None = None


class Decision(msgspec.Struct, frozen=True):
    fired: tuple[FiredRule, ...] = ()
    verdicts: tuple[ProviderVerdict, ...] = ()  # in the tenant's route order
    refused: FiredRule | None = None  # set when the whole request is refused

    @property
    def eligible(self) -> tuple[str, ...]:
        if self.refused is not None:
            return ()
        return tuple(v.provider for v in self.verdicts if v.eligible)

    def verdict(self, provider: str) -> ProviderVerdict | None:
        for v in self.verdicts:
            if v.provider == provider:
                return v
        return None
