"""The gateway's YAML configuration: loading, validation, catalog presets.

The file's shape is a public interface (docs/configuration.md):

    gateway:   {region, audit, ...}
    providers: [{id | preset, protocol, base_url, ...}]
    tenants:   [{id, home, api_key_env | api_key_sha256, policies, route}]

Every problem is raised as one `ConfigError` naming the file, the key path and the
reason; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import yaml

from sovgate.gateway._yaml import KeyPath, LocatedYaml, format_path
from sovgate.types import CustomRule, Provider, Tenant

PROTOCOLS = ("openai", "preview", "anthropic", "sovgate")  # sovgate: a peer gateway (federation)
AUTH_STYLES = ("bearer", "api-key", "x-api-key", "x-goog-api-key", "none")
DEFAULT_CONFIG_NAME = "default.yaml"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# msgspec's type names as a YAML author knows them
_KINDS = {
    "array": "a list",
    "object": "a mapping",
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "nothing",
    "int | float": "a number",
}


class ConfigError(Exception):
    """A configuration problem: where it is and what is wrong, in one line."""

    def __init__(self, file: str, path: KeyPath, reason: str, line: int | None = None):
        self.file, self.path, self.reason, self.line = file, path, reason, line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {format_path(path)}: {reason}" if path else f"{where}: {reason}")


class Breaker(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    failures: int = 3  # consecutive failures that open a provider's circuit
    cooldown_s: float = 30.0  # open -> half-open after this many seconds
    shared: str = ""  # redis://host:port/db: circuits shared by every worker and host ("": per worker)


class RateLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    shared: str = ""  # redis://host:port/db: one budget per tenant for every worker and host


class Pseudonyms(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    style: str = "placeholder"  # placeholder ([PERSON_1]) | surrogate (realistic fakes)
    vault: str = "memory"  # none | memory | redis://host:port/db (key in $SOVGATE_VAULT_KEY)
    ttl_s: int = 3600  # a conversation's mapping is kept this long after its last use


class Tracing(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # OTLP/HTTP (protobuf) traces URL; "": $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then
    # $OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, then http://localhost:4318/v1/traces
    endpoint: str = ""
    service_name: str = "sovgate"
    sample_ratio: float = 1.0  # of the traces sovgate starts; a caller's traceparent decides for its own
    propagate: str = "on_prem"  # providers sent a traceparent: on_prem | all | none


class Witness(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """This gateway cosigns the checkpoints of its peers' audit logs (C2SP tlog-witness)."""

    name: str  # the witness key's name, e.g. witness.fra.acme.example
    logs: tuple[str, ...]  # the vkeys of the logs it witnesses (each peer's `sovgate audit key`)
    key: str = "./sovgate-witness.key"  # its cosignature/v1 key, created on first start
    state: str = "./sovgate-witness.json"  # the last checkpoint it cosigned of each log


class CosignWitness(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: str  # the witness's add-checkpoint URL, e.g. https://sovgate.fra.example/add-checkpoint
    vkey: str  # its cosignature/v1 key (`sovgate audit witness-key` there)


class Cosign(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """This gateway has its own log's checkpoints cosigned by these witnesses, in the background."""

    witnesses: tuple[CosignWitness, ...]
    interval_s: float = 60.0


class Detection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # the organization's own detectors, reported as built-in kinds (sovgate.classify.custom)
    custom: tuple[CustomRule, ...] = ()
    # terms whose built-in findings are false alarms here (a product named like a person)
    allow: tuple[str, ...] = ()


class GatewaySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    region: str = ""
    audit: str = "sqlite:///./sovgate-audit.db"
    # how long a commit of the audit log may wait for records of other requests in progress
    # (group commit); never while nothing more is coming. 0: commit at once
    audit_commit_delay_ms: float = 5.0
    # commit each request's record before it goes out to a provider (outcome "interrupted" until
    # its final record replaces it), so a gateway that dies mid-request still leaves the flow
    audit_write_ahead: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 16 * 1024 * 1024
    max_classify_chars: int = 1_000_000  # more text in one request is refused (413), not classified
    # virtual models served on /v1/embeddings (only there); every other model is a chat model
    embedding_models: tuple[str, ...] = ("embed",)
    metrics: bool = True  # serve GET /metrics (no API key) on the API port
    breaker: Breaker = Breaker()
    rate_limits: RateLimits = RateLimits()
    pseudonyms: Pseudonyms = Pseudonyms()
    tracing: Tracing | None = None  # OpenTelemetry spans per request (off when absent)
    witness: Witness | None = None  # POST /add-checkpoint for the peers' logs (off when absent)
    cosign: Cosign | None = None  # have this log's checkpoints cosigned by the peers' witnesses
    detection: Detection = Detection()


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """A validated configuration: providers resolved, tenant keys hashed."""

    source: str
    gateway: GatewaySettings
    providers: tuple[Provider, ...]
    tenants: tuple[Tenant, ...]
    text: str = ""  # the YAML itself, to point errors found later (policy compile) at a line

    def error(self, path: KeyPath, reason: str) -> ConfigError:
        """A ConfigError at `path` of this file, with its line."""
        line = LocatedYaml(self.text).line(path) if self.text else None
        return ConfigError(self.source, path, reason, line)

    def provider(self, pid: str) -> Provider:
        for p in self.providers:
            if p.id == pid:
                return p
        raise KeyError(pid)


def check_servable(config: Config) -> None:
    """What `serve` needs beyond a valid file (tools reading only `gateway.audit` do not)."""
    if not config.providers:
        raise config.error(("providers",), "at least one provider is needed (see `sovgate init`)")
    if not config.tenants:
        raise config.error(("tenants",), "at least one tenant is needed (see `sovgate init`)")


_PROVIDER_KEYS = frozenset(Provider.__struct_fields__)
_TENANT_KEYS = frozenset(Tenant.__struct_fields__) | {"api_key_env"}


def load_config(path: str | os.PathLike[str] | None = None, *, resolve_secrets: bool = True) -> Config:
    """Read and validate a config file (None: the embedded default).

    With `resolve_secrets=False` (used by `explain`) tenants' `api_key_env`
    variables need not be set.
    """
    if path is None:
        text = resources.files("sovgate.gateway").joinpath(DEFAULT_CONFIG_NAME).read_text("utf-8")
        name = f"<embedded {DEFAULT_CONFIG_NAME}>"
    else:
        name = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(name, (), f"cannot read the file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(name, (), "the file is not UTF-8 text") from None
    return parse_config(text, name, resolve_secrets=resolve_secrets)


def parse_config(
    text: str, name: str = "<config>", *, resolve_secrets: bool = True, env: Mapping[str, str] | None = None
) -> Config:
    try:
        doc = LocatedYaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(name, (), f"invalid YAML: {problem}", line) from None
    repeated = doc.duplicate()
    if repeated is not None:
        path, first, line = repeated
        raise ConfigError(name, path, f"duplicate key (first given at line {first})", line)
    return _Loader(doc, name, os.environ if env is None else env, resolve_secrets).load()


class _Loader:
    def __init__(self, doc: LocatedYaml, name: str, env: Mapping[str, str], resolve_secrets: bool):
        self.doc, self.name, self.env, self.resolve_secrets = doc, name, env, resolve_secrets
        self.base_dir = Path(name).parent if not name.startswith("<") else None
        self._catalog: Any = None

    def fail(self, path: KeyPath, reason: str) -> ConfigError:
        return ConfigError(self.name, path, reason, self.doc.line(path))

    def load(self) -> Config:
        data = self.doc.data
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.fail((), "the file must be a mapping with keys gateway, providers, tenants")
        for key in data:
            if key not in ("gateway", "providers", "tenants"):
                raise self.fail((key,), "unknown key (expected gateway, providers or tenants)")
        gateway = self._gateway(data.get("gateway") or {})
        providers = self._list(data, "providers", self._provider)
        _unique(self, providers, "providers")
        tenants = self._list(data, "tenants", self._tenant)
        _unique(self, tenants, "tenants")
        ids = {p.id for p in providers}
        for i, tenant in enumerate(tenants):
            for j, pid in enumerate(tenant.route):
                if pid not in ids:
                    known = ", ".join(sorted(ids)) or "none configured"
                    raise self.fail(("tenants", i, "route", j), f"unknown provider {pid!r} (known: {known})")
        keys: dict[str, str] = {}
        for i, tenant in enumerate(tenants):
            if tenant.api_key_sha256 and tenant.api_key_sha256 in keys:
                raise self.fail(("tenants", i), f"same API key as tenant {keys[tenant.api_key_sha256]!r}")
            keys[tenant.api_key_sha256] = tenant.id
        return Config(
            source=self.name, gateway=gateway, providers=providers, tenants=tenants, text=self.doc.text
        )

    def _list(self, data: dict[str, Any], key: str, parse: Any) -> tuple[Any, ...]:
        items = data.get(key) or []
        if not isinstance(items, list):
            raise self.fail((key,), "must be a list")
        return tuple(parse(i, item) for i, item in enumerate(items))

    def _convert(self, raw: Any, typ: type, base: KeyPath) -> Any:
        try:
            return msgspec.convert(raw, typ, strict=False)
        except msgspec.ValidationError as exc:
            raise self._validation(exc, base) from None

    def _validation(self, exc: msgspec.ValidationError, base: KeyPath) -> ConfigError:
        # msgspec says e.g. "Expected `int`, got `str` - at `$.breaker.failures`"
        msg = str(exc)
        sub: KeyPath = ()
        if " - at `$" in msg:
            msg, _, where = msg.partition(" - at `$")
            sub = tuple(int(idx) if idx else key for key, idx in re.findall(r"\.([^.\[`]+)|\[(\d+)\]", where))
        field = re.search(r"field `([^`]+)`", msg)
        if msg.startswith("Object missing required field") and field:
            return self.fail((*base, *sub, field.group(1)), "missing (required)")
        if msg.startswith("Object contains unknown field") and field:
            return self.fail((*base, *sub, field.group(1)), "unknown key")
        kinds = re.match(r"Expected `([^`]+)`, got `([^`]+)`", msg)
        if kinds:
            want, got = (_KINDS.get(k, k) for k in kinds.groups())
            return self.fail((*base, *sub), f"expected {want}, got {got}")
        return self.fail((*base, *sub), msg[0].lower() + msg[1:])

    def _gateway(self, raw: Any) -> GatewaySettings:
        if not isinstance(raw, dict):
            raise self.fail(("gateway",), "must be a mapping")
        settings = self._convert(raw, GatewaySettings, ("gateway",))
        if settings.region and not _COUNTRY.match(settings.region):
            raise self.fail(("gateway", "region"), "must be an ISO 3166-1 alpha-2 code like DE")
        if not re.match(r"^[a-z][a-z0-9+]*://", settings.audit):
            raise self.fail(("gateway", "audit"), "must be a URL like sqlite:///./sovgate-audit.db")
        if not 0 <= settings.audit_commit_delay_ms <= 100:
            raise self.fail(("gateway", "audit_commit_delay_ms"), "must be between 0 and 100 (milliseconds)")
        if settings.max_body_bytes < 1024:
            raise self.fail(("gateway", "max_body_bytes"), "must be at least 1024")
        if settings.max_classify_chars < 1:
            raise self.fail(("gateway", "max_classify_chars"), "must be at least 1")
        if settings.breaker.failures < 1:
            raise self.fail(("gateway", "breaker", "failures"), "must be at least 1")
        if settings.breaker.shared and not settings.breaker.shared.startswith(("redis://", "rediss://")):
            raise self.fail(
                ("gateway", "breaker", "shared"), "must be a redis:// URL, or empty for breakers per worker"
            )
        if settings.rate_limits.shared and not _redis_url(settings.rate_limits.shared):
            raise self.fail(
                ("gateway", "rate_limits", "shared"),
                "must be a redis://host[:port][/db] URL, or empty for limits enforced by each worker",
            )
        ps = settings.pseudonyms
        if ps.style not in ("placeholder", "surrogate"):
            raise self.fail(("gateway", "pseudonyms", "style"), "must be placeholder or surrogate")
        if ps.vault not in ("none", "memory") and not ps.vault.startswith(("redis://", "rediss://")):
            raise self.fail(("gateway", "pseudonyms", "vault"), "must be none, memory or a redis:// URL")
        if ps.vault.startswith("redis") and self.resolve_secrets and not self.env.get("SOVGATE_VAULT_KEY"):
            raise self.fail(
                ("gateway", "pseudonyms", "vault"),
                "a Redis vault needs SOVGATE_VAULT_KEY (python -c 'from sovgate.protect import"
                " generate_vault_key; print(generate_vault_key())')",
            )
        if ps.ttl_s < 1:
            raise self.fail(("gateway", "pseudonyms", "ttl_s"), "must be at least 1")
        tr = settings.tracing
        if tr is not None:
            if tr.endpoint and not re.match(r"^https?://[^/\s]+", tr.endpoint):
                raise self.fail(
                    ("gateway", "tracing", "endpoint"),
                    "must be an http(s) URL of an OTLP/HTTP receiver, like http://collector:4318/v1/traces",
                )
            if not 0 <= tr.sample_ratio <= 1:
                raise self.fail(("gateway", "tracing", "sample_ratio"), "must be between 0 and 1")
            if tr.propagate not in ("on_prem", "all", "none"):
                raise self.fail(("gateway", "tracing", "propagate"), "must be on_prem, all or none")
            if not tr.service_name.strip():
                raise self.fail(("gateway", "tracing", "service_name"), "must not be empty")
        if settings.witness is not None:
            self._check_witness(settings.witness)
        if settings.cosign is not None:
            self._check_cosign(settings.cosign)
        if settings.detection.custom:
            self._check_custom(settings.detection.custom)
        if settings.detection.allow:
            from sovgate.classify.custom import check_term

            for i, term in enumerate(settings.detection.allow):
                problem = check_term(term)
                if problem is not None:
                    raise self.fail(("gateway", "detection", "allow", i), problem)
        return settings

    def _check_custom(self, rules: tuple[CustomRule, ...]) -> None:
        from sovgate.classify.custom import check_rule

        seen: set[str] = set()
        for i, rule in enumerate(rules):
            base = ("gateway", "detection", "custom", i)
            problem = check_rule(rule)
            if problem is not None:
                raise self.fail((*base, *problem[0]), problem[1])
            if rule.detail in seen:
                raise self.fail((*base, "detail"), f"{rule.detail!r} names an earlier rule too")
            seen.add(rule.detail)

    def _check_cosign(self, c: Cosign) -> None:
        from sovgate.audit.note import ALG_COSIGNATURE_V1, NoteError, Verifier

        base: KeyPath = ("gateway", "cosign")
        if not c.witnesses:
            raise self.fail((*base, "witnesses"), "name at least one witness ({url, vkey})")
        if not 0.1 <= c.interval_s <= 86_400:
            raise self.fail((*base, "interval_s"), "must be between 0.1 and 86400 seconds")
        for i, w in enumerate(c.witnesses):
            if not re.match(r"^https?://[^/\s]+", w.url):
                raise self.fail(
                    (*base, "witnesses", i, "url"), "must be the witness's http(s) add-checkpoint URL"
                )
            try:
                v = Verifier.from_vkey(w.vkey)
            except NoteError as exc:
                raise self.fail((*base, "witnesses", i, "vkey"), str(exc)) from None
            if any(w.url == other.url for other in c.witnesses[:i]):
                raise self.fail((*base, "witnesses", i, "url"), "this witness is listed twice")
            if v.alg != ALG_COSIGNATURE_V1:
                raise self.fail(
                    (*base, "witnesses", i, "vkey"),
                    "is a log key; a witness's key comes from `sovgate audit witness-key` (cosignature/v1)",
                )

    def _check_witness(self, w: Witness) -> None:
        from sovgate.audit.note import NoteError, Verifier

        base: KeyPath = ("gateway", "witness")
        if not w.name or any(c.isspace() or c == "+" for c in w.name):
            raise self.fail(
                (*base, "name"), "must be a key name without spaces or '+', like witness.fra.example"
            )
        if not w.logs:
            raise self.fail((*base, "logs"), "name at least one peer log's vkey (its `sovgate audit key`)")
        names: set[str] = set()
        for i, vkey in enumerate(w.logs):
            try:
                name = Verifier.from_vkey(vkey).name
            except NoteError as exc:
                raise self.fail((*base, "logs", i), f"{exc} (expected a `sovgate audit key` vkey)") from None
            if name in names:
                raise self.fail((*base, "logs", i), f"a second key for the log {name!r}: give one per log")
            names.add(name)

    def catalog(self, path: KeyPath) -> Any:
        if self._catalog is None:
            try:
                from sovgate.catalog import Catalog
            except ImportError:
                raise self.fail(path, "presets need sovgate.catalog, which is not installed") from None
            self._catalog = Catalog.builtin()
        return self._catalog

    def _provider(self, i: int, raw: Any) -> Provider:
        base: KeyPath = ("providers", i)
        if not isinstance(raw, dict):
            raise self.fail(base, "must be a mapping")
        for key in raw:
            if key not in _PROVIDER_KEYS:
                raise self.fail((*base, key), "unknown key")
        merged = dict(raw)
        if raw.get("preset") is not None:
            name = raw["preset"]
            if not isinstance(name, str):
                raise self.fail((*base, "preset"), "must be a preset name")
            try:
                preset = self.catalog((*base, "preset")).preset(name)
            except (LookupError, ValueError) as exc:  # the catalog's message suggests near names
                arg = exc.args[0] if exc.args else None
                reason = arg if isinstance(arg, str) else f"unknown preset {name!r}"
                raise self.fail((*base, "preset"), reason) from None
            # explicit keys override the catalog's facts
            merged = {**msgspec.structs.asdict(preset), "id": name, **raw}
        if "id" not in merged:
            raise self.fail(base, "missing key `id` (or `preset`)")
        if "hosting" in merged and isinstance(merged["hosting"], str):
            merged["hosting"] = [merged["hosting"]]
        provider: Provider = self._convert(merged, Provider, base)
        self._check_provider(base, provider)
        return provider

    def _check_provider(self, base: KeyPath, p: Provider) -> None:
        if not _ID.match(p.id):
            raise self.fail((*base, "id"), "must be letters, digits, '.', '_' or '-'")
        if p.protocol not in PROTOCOLS:
            raise self.fail(
                (*base, "protocol"), f"unknown protocol {p.protocol!r} (one of {', '.join(PROTOCOLS)})"
            )
        if p.auth not in AUTH_STYLES:
            raise self.fail(
                (*base, "auth"), f"unknown auth style {p.auth!r} (one of {', '.join(AUTH_STYLES)})"
            )
        if p.protocol == "sovgate" and p.auth != "bearer":
            raise self.fail((*base, "auth"), "a peer gateway (protocol: sovgate) takes its key as bearer")
        if p.protocol == "sovgate" and not p.api_key_env:
            raise self.fail(
                (*base, "api_key_env"),
                "a peer gateway (protocol: sovgate) knows this gateway as one of its tenants: "
                "name the environment variable holding that tenant's API key",
            )
        if p.protocol != "preview" and not re.match(r"^https?://", p.base_url):
            raise self.fail((*base, "base_url"), "must be an http:// or https:// URL")
        hole = re.search(r"\{[^}]*\}", p.base_url)
        if hole:
            raise self.fail((*base, "base_url"), f"fill in {hole.group()} (e.g. base_url: {p.base_url})")
        if p.operator_country and not _COUNTRY.match(p.operator_country):
            raise self.fail((*base, "operator_country"), "must be an ISO 3166-1 alpha-2 code like FR")
        for j, country in enumerate(p.hosting):
            if not _COUNTRY.match(country):
                raise self.fail((*base, "hosting", j), f"{country!r} is not an ISO 3166-1 alpha-2 code")
        if not p.models:
            raise self.fail(
                (*base, "models"),
                "at least one virtual model name -> upstream model is needed (models: {chat: ...})",
            )
        if p.timeout_s <= 0:
            raise self.fail((*base, "timeout_s"), "must be positive")
        if (
            p.api_key_env
            and self.resolve_secrets
            and p.protocol != "preview"
            and not self.env.get(p.api_key_env)
        ):
            raise self.fail((*base, "api_key_env"), f"environment variable {p.api_key_env} is not set")

    def _pack_spec(self, spec: Any) -> Any:
        """A pack given as a path is read relative to the config file; names are built-in packs."""
        if isinstance(spec, str) and _is_path(spec) and self.base_dir is not None:
            return str((self.base_dir / spec).resolve())
        return spec

    def _digest(self, path: KeyPath, digest: Any) -> str:
        if isinstance(digest, int | float):  # all digits: YAML read a number; the source text is the digest
            digest = self.doc.scalar(path)
        if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
            raise self.fail(path, "must be 64 hex digits (sha256 of the key)")
        return digest.lower()

    def _tenant(self, i: int, raw: Any) -> Tenant:
        base: KeyPath = ("tenants", i)
        if not isinstance(raw, dict):
            raise self.fail(base, "must be a mapping")
        for key in raw:
            if key not in _TENANT_KEYS:
                raise self.fail((*base, key), "unknown key")
        fields = dict(raw)
        env_name = fields.pop("api_key_env", None)
        digest = fields.get("api_key_sha256")
        if (env_name is None) == (digest is None):
            raise self.fail(base, "give exactly one of api_key_env or api_key_sha256")
        if env_name is not None:
            if not isinstance(env_name, str) or not env_name:
                raise self.fail((*base, "api_key_env"), "must be an environment variable name")
            key = self.env.get(env_name)
            if key:
                fields["api_key_sha256"] = hashlib.sha256(key.encode()).hexdigest()
            elif self.resolve_secrets:
                raise self.fail((*base, "api_key_env"), f"environment variable {env_name} is not set")
            else:
                fields["api_key_sha256"] = ""
        else:
            fields["api_key_sha256"] = self._digest((*base, "api_key_sha256"), digest)
        if isinstance(fields.get("policies"), str):
            fields["policies"] = [fields["policies"]]
        if isinstance(fields.get("policies"), list):
            fields["policies"] = [self._pack_spec(p) for p in fields["policies"]]
        tenant: Tenant = self._convert(fields, Tenant, base)
        if not _ID.match(tenant.id):
            raise self.fail((*base, "id"), "must be letters, digits, '.', '_' or '-'")
        if not _COUNTRY.match(tenant.home):
            raise self.fail((*base, "home"), "must be an ISO 3166-1 alpha-2 code like DE")
        if not tenant.route:
            raise self.fail((*base, "route"), "must list at least one provider id")
        if not tenant.policies:
            raise self.fail((*base, "policies"), "must name at least one policy pack (e.g. baseline)")
        limit = tenant.rate_limit
        if limit is not None:
            at = (*base, "rate_limit")
            if limit.requests_per_minute is None and limit.tokens_per_minute is None:
                raise self.fail(at, "give requests_per_minute, tokens_per_minute or both")
            rpm = limit.requests_per_minute
            if rpm is not None and not 0.001 <= rpm <= 1e9:  # NaN and infinities fail too
                raise self.fail((*at, "requests_per_minute"), "must be between 0.001 and 1e9")
            if not 0 <= limit.burst <= 1_000_000_000:
                raise self.fail((*at, "burst"), "must be 0 (one second's worth) or more")
            if limit.burst and rpm is None:
                raise self.fail((*at, "burst"), "counts requests: give requests_per_minute too")
            tpm = limit.tokens_per_minute
            if tpm is not None and not 1 <= tpm <= 10**12:
                raise self.fail((*at, "tokens_per_minute"), "must be between 1 and 10^12")
        return tenant


def _redis_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return False
    db = parts.path.strip("/")
    return parts.scheme in ("redis", "rediss") and bool(parts.hostname) and (not db or db.isdigit())


def _is_path(spec: str) -> bool:
    return "/" in spec or spec.endswith((".yaml", ".yml"))


def _unique(loader: _Loader, items: tuple[Any, ...], section: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise loader.fail((section, i, "id"), f"duplicate id {item.id!r}")
        seen.add(item.id)
