"""`sovgate serve`, `sovgate explain`, `sovgate init`."""

from __future__ import annotations

import asyncio
import gc
import os
import shlex
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, NoReturn

import msgspec
import typer

from sovgate.classify import core_build
from sovgate.gateway.config import ConfigError, check_servable, load_config

EXIT_CONFIG = 2


def _die(message: str) -> NoReturn:
    typer.echo(f"sovgate: {message}", err=True)
    raise typer.Exit(EXIT_CONFIG)


def serve(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config (default: embedded demo)")
    ] = None,
    host: Annotated[str | None, typer.Option(help="listen address (default: gateway.host)")] = None,
    port: Annotated[int | None, typer.Option(help="listen port (default: gateway.port)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes sharing the port")] = 1,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="validate config, policies and audit log (created if missing), then exit"
        ),
    ] = False,
) -> None:
    """Run the OpenAI-compatible gateway."""
    import uvicorn

    from sovgate.gateway.runtime import (
        build_components,
        check_audit,
        check_tracing,
        open_gateway,
        open_witness,
    )
    from sovgate.server import create_app

    try:
        cfg = load_config(config)
        check_servable(cfg)
        components = build_components(cfg)  # fails here, before binding, on a bad policy
        check_audit(cfg)
        check_tracing(cfg)
        # its key is created here, before any worker forks (not by --check, which changes nothing)
        witness = None if check else open_witness(cfg)
    except ConfigError as exc:
        _die(str(exc))
    if check:
        where = "embedded default config" if config is None else str(config)
        typer.echo(f"sovgate: {where}: OK (providers: {len(cfg.providers)}, tenants: {len(cfg.tenants)})")
        return
    bind_host, bind_port = host or cfg.gateway.host, port if port is not None else cfg.gateway.port
    serving = workers if hasattr(os, "fork") else 1  # without fork, one process serves
    shared_metrics = None
    if serving > 1 and cfg.gateway.metrics:
        # any worker may answer /metrics: they keep their values in files of one directory and
        # the one asked sums them (server/metrics.py); before the app is built and they fork
        from sovgate.server.metrics import share_between_processes

        shared_metrics = tempfile.mkdtemp(prefix="sovgate-metrics-")
        share_between_processes(shared_metrics)
    app = create_app(lambda: open_gateway(cfg, components, workers=serving))
    # start-up objects (detectors, compiled policies) live for the whole run: keep the cyclic GC
    # from re-scanning them, and forked workers from touching (copying) their pages
    gc.freeze()
    options: dict[str, Any] = {
        "host": bind_host,
        "port": bind_port,
        "loop": "uvloop" if sys.platform != "win32" else "asyncio",
        "http": "httptools",
        "lifespan": "on",
        "access_log": False,
        "proxy_headers": False,  # uvicorn's middleware costs per request; we read no forwarded headers
        "server_header": False,
        "date_header": False,
        "log_level": "warning",
        "timeout_graceful_shutdown": 10,
    }
    where = "embedded default config (demo key: sovgate-demo)" if config is None else str(config)
    typer.echo(f"sovgate: serving on http://{bind_host}:{bind_port}/v1 with {where}", err=True)
    typer.echo(f"sovgate: detection core {core_build()}", err=True)
    detection = cfg.gateway.detection
    if detection.custom or detection.allow:
        rules = ", ".join(r.detail for r in detection.custom) or "none"
        typer.echo(
            f"sovgate: own detectors: {rules}; allowed terms: {len(detection.allow)} (gateway.detection)",
            err=True,
        )
    tracing = cfg.gateway.tracing
    if tracing is not None:
        sink = tracing.endpoint or "the OTLP endpoint of OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT"
        typer.echo(f"sovgate: traces to {sink} (sample ratio {tracing.sample_ratio:g})", err=True)
    if cfg.gateway.breaker.shared:
        typer.echo("sovgate: circuit states shared through gateway.breaker.shared", err=True)
    limited = sum(t.rate_limit is not None for t in cfg.tenants)
    if limited:
        where_limits = (
            "shared through gateway.rate_limits.shared" if cfg.gateway.rate_limits.shared else "per worker"
        )
        typer.echo(f"sovgate: rate limits for {limited} tenant(s), {where_limits}", err=True)
        if serving > 1 and not cfg.gateway.rate_limits.shared:
            from sovgate.limits import default_burst

            for t in cfg.tenants:
                limit = t.rate_limit
                if limit is None or limit.requests_per_minute is None:
                    continue
                if default_burst(limit) < serving:
                    typer.echo(
                        f"sovgate: warning: tenant {t.id}: burst {default_burst(limit)} is less than "
                        f"the {serving} workers, each of which allows 1: up to {serving} at once "
                        "(set gateway.rate_limits.shared for one exact budget)",
                        err=True,
                    )
    if cfg.gateway.cosign is not None:
        cs = cfg.gateway.cosign
        typer.echo(
            f"sovgate: this log's checkpoints cosigned by {len(cs.witnesses)} witness(es), "
            f"looked at every {cs.interval_s:g} s",
            err=True,
        )
    if witness is not None:
        typer.echo(
            f"sovgate: witness for {len(witness.logs)} peer log(s) at POST /add-checkpoint; "
            f"its key (for their `sovgate audit cosign --witness-vkey`): {witness.signer.vkey()}",
            err=True,
        )
    if workers > 1 and hasattr(os, "fork"):
        from sovgate.gateway._workers import run_workers
        from sovgate.server.metrics import worker_exited

        try:
            code = run_workers(uvicorn.Config(app, **options), workers, on_exit=worker_exited)
        except OSError as exc:  # as uvicorn reports it for one worker: no traceback
            _die(f"cannot listen on {bind_host}:{bind_port}: {exc.strerror or exc}")
        finally:
            if shared_metrics is not None:
                shutil.rmtree(shared_metrics, ignore_errors=True)
        raise typer.Exit(code)
    uvicorn.run(app, **options)


def explain(
    request: Annotated[
        Path, typer.Argument(help="request body JSON (chat, responses or embeddings); - for stdin")
    ],
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="tenant id (default: the config's only tenant)")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML config (default: embedded demo)")
    ] = None,
    outbound: Annotated[
        bool, typer.Option("--outbound", help="also print the body the chosen provider would receive")
    ] = False,
) -> None:
    """Print the decision for REQUEST as JSON, without sending anything anywhere."""
    from sovgate.gateway.errors import GatewayError
    from sovgate.gateway.explain import explain as run_explain
    from sovgate.gateway.runtime import build_components

    try:
        cfg = load_config(config, resolve_secrets=False)
        components = build_components(cfg)
    except ConfigError as exc:
        _die(str(exc))
    if tenant is None:
        if len(cfg.tenants) != 1:
            _die(f"--tenant is needed: the config has {len(cfg.tenants)} tenants")
        tenant = cfg.tenants[0].id
    elif all(t.id != tenant for t in cfg.tenants):
        _die(f"--tenant {tenant}: unknown tenant (known: {', '.join(t.id for t in cfg.tenants) or 'none'})")
    try:
        body = msgspec.json.decode(sys.stdin.buffer.read() if str(request) == "-" else request.read_bytes())
    except OSError as exc:
        _die(f"{request}: cannot read ({exc.strerror or exc})")
    except msgspec.DecodeError as exc:
        _die(f"{request}: malformed JSON ({exc})")
    except UnicodeDecodeError as exc:
        _die(f"{request}: not valid UTF-8 (byte {exc.start})")
    except RecursionError:
        _die(f"{request}: the JSON is nested too deeply")
    if not isinstance(body, dict):
        _die(f"{request}: the request must be a JSON object")
    try:
        result = asyncio.run(run_explain(cfg, components, tenant, body, outbound=outbound))
    except GatewayError as err:
        _die(f"{request}: {err.message}")
    typer.echo(msgspec.json.format(msgspec.json.encode(result), indent=2).decode())


def init(
    path: Annotated[Path, typer.Argument(help="where to write the starter config")] = Path("sovgate.yaml"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a commented starter configuration."""
    if path.exists() and not force:
        _die(f"{path} exists (use --force to overwrite)")
    text = resources.files("sovgate.gateway").joinpath("starter.yaml").read_text("utf-8")
    run = f"sovgate serve --config {shlex.quote(str(path))}"
    path.write_text(text.replace("sovgate serve --config sovgate.yaml", run, 1), "utf-8")
    typer.echo(f"wrote {path}; edit it, then: {run}")


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the main app."""
    app.command()(serve)
    app.command()(explain)
    app.command()(init)
