"""The request pipeline: classify -> decide -> route -> protect -> upstream -> restore -> record.

`plan()` is the pure part (which findings, which decision, which providers in
which order); `Gateway` adds the I/O: calling upstreams with fail-closed
fallback, restoring answers and awaiting the durable audit append before the
answer completes. It knows nothing about HTTP: the server hands it a parsed
body and an authenticated tenant, and gets back bytes or SSE events.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any

import msgspec

from sovgate.gateway import errors
from sovgate.gateway._cohort import Cohort
from sovgate.gateway._offload import OFFLOAD_CHARS, offload
from sovgate.gateway._protection import Protect, Protected, ProtectionImpossible
from sovgate.gateway._restore import StreamRestoration, restore_completion
from sovgate.gateway._trace import RequestTrace
from sovgate.gateway.config import Config
from sovgate.gateway.errors import GatewayError
from sovgate.gateway.record import INTERRUPTED, Attempt, FindingSummary, RequestRecord
from sovgate.limits import Limits, RateLimiter
from sovgate.limits.usage import CHARS_PER_TOKEN, StreamMeter, estimate_tokens, reported_tokens, usage_only
from sovgate.messages import extract_segments
from sovgate.route import Router
from sovgate.types import Classification, Decision, Segment, Tenant
from sovgate.upstream import (
    Adapter,
    Endpoint,
    Hop,
    UpstreamError,
    UpstreamRejected,
    check_reply,
    check_stream,
    event_data,
)

Classify = Callable[[list[Segment]], Classification]
Decide = Callable[[Tenant, Classification, str], Decision]
AuditAppend = Callable[[RequestRecord], Awaitable[Any]]
# (tenant id, x-sovgate-conversation header, body) -> pseudonym vault key, or None for a fresh mapping
ConversationKey = Callable[[str, "str | None", dict[str, Any]], "str | None"]

_DONE = b"data: [DONE]\n\n"
# the upstream endpoint of an API endpoint (responses: translated to chat at the edge)
_UPSTREAM_ENDPOINT: dict[str, Endpoint] = {"embeddings": "embeddings", "completions": "completions"}


class Plan(msgspec.Struct, frozen=True):
    segments: list[Segment]
    classification: Classification
    decision: Decision
    candidates: tuple[str, ...]  # eligible providers serving the model, in the order to try


def plan(
    tenant: Tenant,
    body: dict[str, Any],
    model: str,
    serving: Collection[str],
    classify: Classify,
    decide: Decide,
    candidates: Callable[[Decision, Collection[str]], tuple[str, ...]],
) -> Plan:
    """Everything decided before any byte leaves; raises GatewayError to refuse (fail closed)."""
    return plan_segments(tenant, extract_segments(body), model, serving, classify, decide, candidates)


def plan_segments(
    tenant: Tenant,
    segments: list[Segment],
    model: str,
    serving: Collection[str],
    classify: Classify,
    decide: Decide,
    candidates: Callable[[Decision, Collection[str]], tuple[str, ...]],
) -> Plan:
    """`plan()` for segments already extracted from the body."""
    try:
        classification = classify(segments)
    except Exception as exc:
        raise errors.internal(
            "classification_failed", f"Classification failed ({type(exc).__name__})."
        ) from exc
    try:
        decision = decide(tenant, classification, model)
    except Exception as exc:
        raise errors.internal("policy_failed", f"Policy evaluation failed ({type(exc).__name__}).") from exc
    return Plan(segments, classification, decision, candidates(decision, serving))


def refusal(decision: Decision, serving: Collection[str], model: str | None = None) -> GatewayError | None:
    """The 403 for a decision that leaves no provider for this model, else None."""
    if decision.refused is not None:
        r = decision.refused
        return errors.policy_denied(f"Refused by policy rule {r.rule}: {r.reason}")
    if any(p in serving for p in decision.eligible):
        return None
    why = [
        f"{v.provider} excluded by {v.excluded_by}" + (f" ({v.reason})" if v.reason else "")
        for v in decision.verdicts
        if v.provider in serving and not v.eligible
    ]
    why += _eligible_not_serving(decision, serving, model)
    detail = "; ".join(why) if why else "no provider of this tenant serves it"
    return errors.policy_denied(f"No provider may receive this request under policy: {detail}.")


def endpoint_refusal(
    endpoint: str, model: str, embedding_models: Collection[str], known: Collection[str]
) -> GatewayError | None:
    """The 404 for a chat model on /v1/embeddings or an embedding model on /v1/chat/completions."""
    embedding = endpoint == "embeddings"
    if (model in embedding_models) == embedding:
        return None
    fitting = sorted(m for m in known if (m in embedding_models) == embedding)
    return errors.wrong_endpoint(model, endpoint, fitting)


def _eligible_not_serving(decision: Decision, serving: Collection[str], model: str | None) -> list[str]:
    """Say which providers policy would allow but do not serve the model (else the 403 looks arbitrary)."""
    name = f"model {model!r}" if model else "this model"
    return [f"{p} is eligible but does not serve {name}" for p in decision.eligible if p not in serving]


class Request(msgspec.Struct, kw_only=True):
    """One request as the server hands it over."""

    id: str
    endpoint: str  # chat | embeddings | models
    tenant: Tenant | None = None
    body: dict[str, Any] | None = None
    raw: bytes = b""  # the body as received, for the audit fingerprint
    conversation: str | None = None  # the client's x-sovgate-conversation header
    # federation: a peer gateway's x-sovgate-forwarded-by (its log's origin) and -decision (its
    # record id); such a request is never forwarded to a peer again
    forwarded_by: str | None = None
    forwarded_decision: str | None = None
    started: float = 0.0  # perf_counter at arrival
    time: float = 0.0  # unix time at arrival
    trace: RequestTrace | None = None  # the request's spans, when tracing is on


class JsonAnswer(msgspec.Struct):
    status: int
    body: bytes
    provider: str | None = None
    retry_after: float | None = None  # seconds (a rate limit's 429): the Retry-After header


class StreamAnswer(msgspec.Struct):
    provider: str
    events: AsyncIterator[bytes]  # framed SSE events, ending with data: [DONE] once audited


Answer = JsonAnswer | StreamAnswer


class Gateway:
    """Holds everything built once at start-up; `handle()` serves one request."""

    def __init__(
        self,
        config: Config,
        *,
        classify: Classify,
        decide: Decide,
        audit: AuditAppend,
        upstreams: Mapping[str, Adapter],
        protect: Protect | None = None,
        router: Router | None = None,
        fingerprint: Callable[[bytes], str] | None = None,
        conversation_key: ConversationKey | None = None,
        origin: str = "",
        limits: RateLimiter | None = None,
        dispatch: AuditAppend | None = None,
    ):
        self.config = config
        self.classify, self.decide, self.protect, self.audit = classify, decide, protect, audit
        # write-ahead: the record of a request as it stands just before it goes out to a provider
        # (outcome "interrupted"), durable before it goes; its final record replaces it
        self.dispatch = dispatch
        self.upstreams = upstreams
        self.fingerprint = fingerprint
        self.conversation_key = conversation_key
        breaker = config.gateway.breaker
        self.router = router or Router(
            [p.id for p in config.providers], threshold=breaker.failures, cooldown_s=breaker.cooldown_s
        )
        self.providers = {p.id: p for p in config.providers}
        # federation: peer gateways (protocol sovgate) learn this log's origin and the record id
        self.origin = origin or f"sovgate/{config.gateway.region}"
        self.peers = frozenset(p.id for p in config.providers if p.protocol == "sovgate")
        # per-tenant rate limits (sovgate.limits): this process's own unless given (shared)
        self.limits: RateLimiter | None = limits if limits is not None else Limits.for_config(config.tenants)
        self.tenants_by_key = {t.api_key_sha256: t for t in config.tenants if t.api_key_sha256}
        self.tenants = {t.id: t for t in config.tenants}
        # tenant id -> virtual model -> providers of its route that serve it
        self.serving: dict[str, dict[str, frozenset[str]]] = {}
        for t in config.tenants:
            models: dict[str, set[str]] = {}
            for pid in t.route:
                for virtual in self.providers[pid].models:
                    models.setdefault(virtual, set()).add(pid)
            self.serving[t.id] = {m: frozenset(ps) for m, ps in models.items()}
        self._background: set[asyncio.Task[Any]] = set()
        # requests that reach classification together are classified back to back (_cohort.py)
        self._cohort = Cohort()
        # Set when an audit append fails, cleared when one succeeds. While set, no request is
        # forwarded (fail closed: its answer could not be recorded, and the data would already be
        # out); each refusal is itself appended, and the first that succeeds reopens the gateway.
        self.audit_failing = False
        # Requests in progress (the server counts them in and out; a stream until it is opened):
        # the audit writer holds a commit briefly while more of them may append (group commit).
        self.working = 0
        # called with (provider, outcome) after every attempt; the server points it at its metrics
        self.on_attempt: Callable[[str, str], None] | None = None
        # called with (tenant, tokens, reported) for every answer charged to a token budget
        self.on_tokens: Callable[[str, int, bool], None] | None = None
        # called with every request's record once it is in the audit log (the server's metrics)
        self.on_record: Callable[[RequestRecord], None] | None = None

    # --- lookups -----------------------------------------------------------------

    def authenticate(self, token: str) -> Tenant | None:
        return self.tenants_by_key.get(hashlib.sha256(token.encode()).hexdigest())

    def models(self, tenant: Tenant) -> list[str]:
        return sorted(self.serving[tenant.id])

    # --- one request -------------------------------------------------------------

    async def handle(self, req: Request) -> Answer:
        """Serve a validated chat/embeddings request; every outcome is audited."""
        assert req.tenant is not None and req.body is not None
        rec = self._record(req)
        try:
            return await self._serve(req, req.tenant, req.body, rec)
        except GatewayError as err:
            if err.__cause__ is not None:  # fail-closed refusal: the operator needs the cause, the client not
                print(f"sovgate: request {req.id}: {err.code}: {err.__cause__!r}", file=sys.stderr)
            return await self.refuse(req, err, rec)
        except Exception as exc:  # never a stack trace to the client; the audit says what happened
            print(f"sovgate: request {req.id} failed: {exc!r}", file=sys.stderr)
            return await self.refuse(req, errors.internal("internal_error", "Internal gateway error."), rec)

    async def refuse(self, req: Request, err: GatewayError, rec: RequestRecord | None = None) -> JsonAnswer:
        """Answer with `err`, after recording it (best effort: the request is refused anyway)."""
        rec = rec or self._record(req)
        rec.status, rec.outcome, rec.message = err.status, err.code or err.type, err.message
        try:
            await self._append(rec, req)
        except Exception as exc:
            print(f"sovgate: audit of refused request {req.id} failed: {exc!r}", file=sys.stderr)
        return JsonAnswer(err.status, err.body(), rec.provider, err.retry_after)

    async def record_listing(self, req: Request, body: bytes) -> JsonAnswer:
        """Answer a model listing, recorded like every other API request."""
        rec = self._record(req)
        rec.status = 200
        return await self._finish(req, rec, JsonAnswer(200, body), 200)  # type: ignore[return-value]

    def _record(self, req: Request) -> RequestRecord:
        body = req.body or {}
        model = body.get("model")
        return RequestRecord(
            id=req.id,
            time=req.time,
            endpoint=req.endpoint,
            tenant=req.tenant.id if req.tenant else None,
            home=req.tenant.home if req.tenant else "",
            region=self.config.gateway.region,
            model=model if isinstance(model, str) else None,
            stream=body.get("stream") is True,
            forwarded_by=req.forwarded_by,
            forwarded_decision=req.forwarded_decision,
            fingerprint=self.fingerprint(req.raw) if self.fingerprint is not None and req.raw else None,
        )

    async def _append(self, rec: RequestRecord, req: Request) -> None:
        rec.duration_ms = round((time.perf_counter() - req.started) * 1000, 3)
        try:
            await self.audit(rec)
        except Exception:  # (not a cancellation: that says nothing about the log)
            self.audit_failing = True
            if req.trace is not None:
                req.trace.recorded(rec, False)
            raise
        self.audit_failing = False
        if req.trace is not None:
            req.trace.recorded(rec, True)
        if self.on_record is not None:
            try:  # the record is durable: a fault in counting it must not fail the request
                self.on_record(rec)
            except Exception as exc:
                print(f"sovgate: metrics of request {req.id} not counted: {exc!r}", file=sys.stderr)

    async def _serve(self, req: Request, tenant: Tenant, body: dict[str, Any], rec: RequestRecord) -> Answer:
        model: str = body["model"]
        serving = self.serving[tenant.id].get(model)
        if serving is None:
            raise errors.model_not_found(model, self.models(tenant))
        known = self.serving[tenant.id]
        mismatch = endpoint_refusal(req.endpoint, model, self.config.gateway.embedding_models, known)
        if mismatch is not None:
            raise mismatch
        p = await self._plan(tenant, body, model, serving)
        _note_plan(rec, p)
        denied = refusal(p.decision, serving, model)
        if denied is not None:
            raise denied
        if self.audit_failing:
            raise errors.internal(
                "audit_unavailable",
                "The audit log is failing, so no request is forwarded; retry shortly.",
                503,
            )
        endpoint: Endpoint = _UPSTREAM_ENDPOINT.get(req.endpoint, "chat")
        stream = endpoint != "embeddings" and body.get("stream") is True
        candidates: Sequence[str] = p.candidates
        if endpoint != "chat":  # a protocol without the endpoint is no candidate (not a failure)
            candidates = [pid for pid in candidates if endpoint in self.upstreams[pid].endpoints]
            if not candidates and p.candidates:
                raise errors.endpoint_unsupported(req.endpoint, p.candidates)
        if self.peers and (tenant.peer or req.forwarded_by is not None):
            candidates = [pid for pid in candidates if pid not in self.peers]
            if not candidates and p.candidates:  # one hop: no loops, no chains between regions
                by = req.forwarded_by or tenant.id
                raise errors.no_eligible_provider(
                    f"This request was forwarded by the peer gateway {by!r}; a forwarded request is "
                    f"never forwarded again, and only peer gateways ({', '.join(p.candidates)}) are "
                    "eligible for it here."
                )
        metered = self.limits is not None and self.limits.meters(tenant.id)
        # A stream's tokens are known only if the provider reports them, which OpenAI's wire does
        # when asked. Asked for the tenant's token budget and for the Responses API (whose final
        # event carries usage); the usage chunk is not forwarded to a chat client that did not ask.
        asked = stream and (body.get("stream_options") or {}).get("include_usage") is True
        want_usage = stream and not asked and (metered or req.endpoint == "responses")
        attempts = _Attempts(self.on_attempt, req.trace)
        protection_error: str | None = None
        failures: list[UpstreamError] = []
        conversation: list[str | None] = []  # computed once, when a provider needs masking
        for pid in candidates:
            verdict = p.decision.verdict(pid)
            assert verdict is not None and verdict.eligible  # the router never loosens a decision
            attempts.start(pid)
            t0 = time.perf_counter()
            try:
                protected = (
                    await self._protect(req, tenant, body, p, verdict, conversation)
                    if verdict.pseudonymize
                    else None
                )
            except ProtectionImpossible as exc:
                protection_error = str(exc) or type(exc).__name__
                attempts.append(Attempt(pid, "protection_failed", protection_error))
                continue
            except Exception as exc:  # a protector bug: this provider cannot get the data, others may
                print(f"sovgate: protection for {pid} failed on {req.id}: {exc!r}", file=sys.stderr)
                protection_error = f"protection failed ({type(exc).__name__})"
                attempts.append(Attempt(pid, "protection_failed", protection_error))
                continue
            outbound = protected.body if protected is not None else body
            adapter = self.upstreams[pid]
            ask_usage = want_usage and adapter.stream_usage
            if ask_usage:
                outbound = {
                    **outbound,
                    "stream_options": {**(outbound.get("stream_options") or {}), "include_usage": True},
                }
            hop = Hop(self.origin, req.id) if pid in self.peers else None
            if self.dispatch is not None:
                await self._write_ahead(req, rec, pid, protected, attempts)
            try:
                if stream:
                    events = await check_stream(pid, await adapter.stream(outbound, hop, endpoint))
                else:
                    reply = check_reply(pid, endpoint, await adapter.complete(endpoint, outbound, hop))
            except UpstreamError as exc:
                if exc.rate_limited and exc.retry_after is not None:
                    self.router.hold(pid, exc.retry_after)  # tried last until its wait is over
                else:
                    self.router.report(pid, False)
                failures.append(exc)
                attempts.append(
                    Attempt(pid, "upstream_error", exc.reason, _ms(t0), _types(protected), _peer(hop))
                )
                continue
            except UpstreamRejected as exc:
                self.router.report(pid, True)
                attempts.append(
                    Attempt(
                        pid, "upstream_rejected", f"HTTP {exc.status}", _ms(t0), _types(protected), _peer(hop)
                    )
                )
                self._chosen(rec, pid, protected, attempts)
                return await self._finish(req, rec, JsonAnswer(exc.status, exc.body, pid), exc.status)
            self.router.report(pid, True)
            attempts.append(Attempt(pid, "ok", None, _ms(t0), _types(protected), _peer(hop)))
            self._chosen(rec, pid, protected, attempts)
            restoring = protected if (protected is not None and adapter.restores) else None
            if stream:
                meter = (tenant.id, _chars(p.segments), StreamMeter()) if metered else None
                hide_usage = ask_usage and req.endpoint != "responses"
                return StreamAnswer(pid, self._stream(req, rec, events, restoring, meter, hide_usage))
            payload = reply.body
            if metered:
                self._charge(tenant.id, _chars(p.segments), reply.body)
            if restoring is not None and endpoint != "embeddings":
                payload = restore_completion(payload, restoring)
            return await self._finish(req, rec, JsonAnswer(reply.status, payload, pid), reply.status)
        rec.attempts = tuple(attempts)
        if protection_error is not None and not any(a.outcome == "upstream_error" for a in attempts):
            raise errors.protection_failed(
                f"The request cannot be protected for any eligible provider: {protection_error}"
            )
        tried = "; ".join(f"{a.provider}: {a.reason}" for a in attempts)
        if failures and all(f.rate_limited for f in failures):
            # every eligible provider that was tried is up but refused our rate: the client should
            # retry later (429, with the soonest wait a provider named), not treat it as an outage
            waits = [f.retry_after for f in failures if f.retry_after is not None]
            raise errors.upstream_rate_limited(tried, min(waits) if waits else None)
        raise errors.no_eligible_provider(f"No eligible provider could be reached ({tried}).")

    async def _plan(self, tenant: Tenant, body: dict[str, Any], model: str, serving: Collection[str]) -> Plan:
        """plan(), with an oversized text refused, a large one classified in a worker thread, and
        the others together with those of the requests that reach this point in the same turn of
        the loop (_cohort.py)."""
        segments = extract_segments(body)
        chars = sum(len(s.text) for s in segments)
        limit = self.config.gateway.max_classify_chars
        if chars > limit:  # fail closed: what cannot be classified in reasonable time is not sent
            raise errors.text_too_large(chars, limit)
        args = (tenant, segments, model, serving, self.classify, self.decide, self.router.candidates)
        if chars > OFFLOAD_CHARS:
            return await offload(plan_segments, *args)
        return await self._cohort.submit(plan_segments, *args, cost=chars)

    async def _protect(
        self,
        req: Request,
        tenant: Tenant,
        body: dict[str, Any],
        p: Plan,
        verdict: Any,
        conversation: list[str | None],
    ) -> Protected | None:
        if self.protect is None:
            raise ProtectionImpossible("pseudonymization is not available in this build")
        if not conversation:
            key = self.conversation_key
            conversation.append(key(tenant.id, req.conversation, body) if key is not None else None)
        return await self.protect(body, p.segments, p.classification, verdict, conversation[0])

    async def _write_ahead(
        self, req: Request, rec: RequestRecord, pid: str, protected: Protected | None, attempts: list[Attempt]
    ) -> None:
        """Commit what the log must say if this gateway stops while `pid` has the request; fail
        closed (nothing goes out) when it cannot."""
        assert self.dispatch is not None
        provider = self.providers[pid]
        sent = Attempt(pid, "interrupted", INTERRUPTED, 0.0, _types(protected))
        ahead = msgspec.structs.replace(
            rec,
            provider=pid,
            operator_country=provider.operator_country,
            hosting=provider.hosting,
            attempts=(*attempts, sent),
            pseudonymized=tuple(protected.types) if protected is not None else (),
            status=0,
            outcome="interrupted",
            message=INTERRUPTED,
            duration_ms=_ms(req.started),
        )
        try:
            await self.dispatch(ahead)
        except Exception as exc:
            self.audit_failing = True
            raise errors.internal(
                "audit_unavailable",
                "The audit log could not record where this request was going, so it was not sent; "
                "retry shortly.",
                503,
            ) from exc

    def _chosen(
        self, rec: RequestRecord, pid: str, protected: Protected | None, attempts: list[Attempt]
    ) -> None:
        provider = self.providers[pid]
        rec.provider, rec.operator_country, rec.hosting = pid, provider.operator_country, provider.hosting
        rec.attempts = tuple(attempts)
        if protected is not None:
            rec.pseudonymized = tuple(protected.types)

    async def _finish(self, req: Request, rec: RequestRecord, answer: JsonAnswer, status: int) -> Answer:
        rec.status = status
        if status >= 400:
            rec.outcome = "upstream_rejected"
        try:
            await self._append(rec, req)
        except Exception as exc:
            # fail closed: an answer that cannot be recorded is not delivered
            print(f"sovgate: audit append for {req.id} failed: {exc!r}", file=sys.stderr)
            err = errors.internal("audit_unavailable", "The audit log could not record this request.", 503)
            return JsonAnswer(err.status, err.body(), rec.provider)
        return answer

    async def _stream(
        self,
        req: Request,
        rec: RequestRecord,
        events: AsyncIterator[list[bytes]],
        restoring: Protected | None,
        meter: tuple[str, int, StreamMeter] | None = None,  # (tenant, prompt chars, meter): tokens
        hide_usage: bool = False,  # the gateway asked for the usage chunk, the client did not
    ) -> AsyncIterator[bytes]:
        """Forward upstream events; hold back [DONE] until the audit record is durable."""
        restoration = StreamRestoration(restoring) if restoring is not None else None
        watch = meter[2].event if meter is not None else None
        rec.status = 200
        recorded = False
        try:
            try:
                async for batch in events:
                    # one write per upstream read: the events of a batch go out together
                    out: list[bytes] = []
                    done = False
                    for event in batch:
                        data = event_data(event)
                        if data is None:
                            continue
                        if data == b"[DONE]":
                            done = True
                            break
                        if watch is not None:
                            watch(data)
                        if hide_usage and usage_only(data):
                            continue
                        if restoration is not None:
                            new = restoration.event(data)
                            if new is not None:
                                out.append(b"data: " + new + b"\n\n")
                                continue
                        out.append(event + b"\n\n")
                    if out:
                        yield b"".join(out)
                    if done:
                        break
                if restoration is not None:
                    for chunk in restoration.leftover():
                        yield b"data: " + chunk + b"\n\n"
            except UpstreamError as exc:
                self.router.report(rec.provider or "", False)
                rec.outcome, rec.message = "upstream_error", f"stream broke off: {exc.reason}"
                recorded = True
                await self._append_quietly(rec, req)
                yield _error_event(
                    errors.no_eligible_provider(f"The provider's stream broke off: {exc.reason}")
                )
                return
            except Exception as exc:  # e.g. an unreadable chunk: end cleanly, recorded
                print(f"sovgate: stream of {req.id} failed: {exc!r}", file=sys.stderr)
                rec.outcome, rec.message = "internal_error", f"stream failed ({type(exc).__name__})"
                recorded = True
                await self._append_quietly(rec, req)
                yield _error_event(errors.internal("internal_error", "Internal gateway error in the stream."))
                return
            recorded = True
            try:
                await self._append(rec, req)
            except Exception as exc:
                print(f"sovgate: audit append for {req.id} failed: {exc!r}", file=sys.stderr)
                err = errors.internal(
                    "audit_unavailable", "The audit log could not record this request.", 503
                )
                yield _error_event(err)
                return
            yield _DONE
        finally:
            if meter is not None:  # what was streamed was used, whole or not
                tenant_id, chars, used = meter
                self._charged(tenant_id, used.tokens(chars), used.reported is not None)
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()  # release the upstream connection even when we stop at [DONE]
            if not recorded:  # the client went away mid-stream: still record what happened
                rec.outcome, rec.message = "client_disconnected", "the client closed the stream"
                if req.trace is not None:  # its span ends with the stream, before the append
                    req.trace.recorded(rec, None)
                task = asyncio.ensure_future(self._append_quietly(rec, req))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _charge(self, tenant_id: str, prompt_chars: int, answer: bytes) -> None:
        """An answer's tokens to the tenant's token budget: the provider's count, else an estimate."""
        used = reported_tokens(answer)
        if used is not None:
            self._charged(tenant_id, used, True)
        else:
            self._charged(tenant_id, estimate_tokens(prompt_chars, -(-len(answer) // CHARS_PER_TOKEN)), False)

    def _charged(self, tenant_id: str, tokens: int, reported: bool) -> None:
        assert self.limits is not None
        self.limits.charge(tenant_id, tokens)
        if self.on_tokens is not None:
            self.on_tokens(tenant_id, tokens, reported)

    async def _append_quietly(self, rec: RequestRecord, req: Request) -> None:
        try:
            await self._append(rec, req)
        except Exception as exc:
            print(f"sovgate: audit append for {req.id} failed: {exc!r}", file=sys.stderr)


class _Attempts(list[Attempt]):
    """The attempts of one request, reported as they happen (metrics, and the trace when on)."""

    def __init__(self, report: Callable[[str, str], None] | None, trace: RequestTrace | None = None):
        super().__init__()
        self._report, self._trace = report, trace

    def start(self, provider: str) -> None:
        if self._trace is not None:
            self._trace.attempt(provider)

    def append(self, attempt: Attempt) -> None:
        super().append(attempt)
        if self._report is not None:
            self._report(attempt.provider, attempt.outcome)
        if self._trace is not None:
            self._trace.attempt_ended(attempt)


def _error_event(err: GatewayError) -> bytes:
    return b"data: " + err.body() + b"\n\n"


def _types(protected: Protected | None) -> tuple[str, ...]:
    return tuple(protected.types) if protected is not None else ()


def _peer(hop: Hop | None) -> str | None:
    return hop.peer_decision if hop is not None else None


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)


def _note_plan(rec: RequestRecord, p: Plan) -> None:
    c, d = p.classification, p.decision
    rec.findings = tuple(
        FindingSummary(
            kind=f.kind,
            at=p.segments[f.segment].path if 0 <= f.segment < len(p.segments) else None,
            start=f.start,
            end=f.end,
            jurisdiction=f.jurisdiction,
            detail=f.detail,
            score=f.score,
        )
        for f in c.findings
    )
    rec.categories = tuple(sorted(c.categories))
    rec.languages = c.languages
    rec.fired, rec.refused, rec.verdicts = d.fired, d.refused, d.verdicts
    rec.eligible = d.eligible


def _chars(segments: Sequence[Segment]) -> int:
    return sum(len(s.text) for s in segments)
