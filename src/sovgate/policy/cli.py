"""CLI commands of sovgate.policy: `sovgate policy test | packs | show | replay`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

policy_app = typer.Typer(
    name="policy",
    help="Policy packs: run fixtures, list and show packs, replay audited traffic.",
    no_args_is_help=True,
)

BUILTIN_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _die(message: str, code: int = 2) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@policy_app.command("test")
def test_cmd(
    target: Annotated[
        Path | None, typer.Argument(help="Fixture file or directory (default: the built-in packs' fixtures).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only failures and the summary.")] = False,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Detect cases' requests with this config's own detectors too."),
    ] = None,
) -> None:
    """Run policy fixtures and report pass/fail per case; exit 1 when any case fails or errors."""
    from sovgate.catalog import Catalog
    from sovgate.policy._fixtures import Classify, run_path

    path = target or BUILTIN_FIXTURES
    if not path.exists():
        _die(f"{path}: no such file or directory")
    classify: Classify | None = None
    details: dict[str, frozenset[str]] | None = None
    if config is not None:
        from sovgate.classify.details import known_details
        from sovgate.gateway.config import ConfigError, load_config
        from sovgate.gateway.runtime import classifier_for

        try:
            cfg = load_config(config, resolve_secrets=False)
        except ConfigError as exc:
            _die(str(exc), 2)
        classify = classifier_for(cfg).classify
        details = known_details(cfg.gateway.detection.custom)
    console = Console(highlight=False)
    passed = failed = errors = 0
    for r in run_path(path, Catalog.builtin(), classify, details):
        label = escape(f"{Path(r.file).name}::{r.name}")
        if r.ok:
            passed += 1
            if not quiet:
                console.print(f"[green]PASS[/green] {label}")
            continue
        if r.error:
            errors += 1
            console.print(f"[red]ERROR[/red] {label}")
        else:
            failed += 1
            console.print(f"[red]FAIL[/red] {label}")
        for problem in r.problems:
            console.print(f"     {problem}", markup=False)
    colour = "green" if not (failed or errors) else "red"
    console.print(f"[{colour}]{passed} passed, {failed} failed, {errors} errors[/{colour}]")
    if failed or errors:
        raise typer.Exit(1)


@policy_app.command("packs")
def packs_cmd(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the built-in policy packs."""
    from sovgate.catalog import Catalog
    from sovgate.policy import Engine, builtin_packs

    engine = Engine({}, Catalog.builtin())
    packs = [engine.load(n) for n in builtin_packs()]
    if json_out:
        rows = [
            {
                "pack": p.name,
                "title": p.title,
                "applies_to": list(p.applies_to),
                "rules": [r.key for r in p.rules],
            }
            for p in packs
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("pack", "title", "applies to", "rules")
    for p in packs:
        applies = ", ".join(p.applies_to) if len(p.applies_to) < 5 else f"{len(p.applies_to)} countries"
        table.add_row(p.name, p.title, applies or "any", str(len(p.rules)))
    Console().print(table)


ConfigDetailsOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Also the details of this config's own detectors (gateway.detection)."),
]


def _details(config: Path | None) -> dict[str, frozenset[str]]:
    """The finding details rules may name: the built-in detectors', plus a config's own."""
    from sovgate.classify.details import known_details

    if config is None:
        return known_details()
    from sovgate.gateway.config import ConfigError, load_config

    try:
        return known_details(load_config(config, resolve_secrets=False).gateway.detection.custom)
    except ConfigError as exc:
        _die(str(exc), 2)


@policy_app.command("details")
def details_cmd(
    config: ConfigDetailsOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the finding details `when: {details: [...]}` may name, with the kinds that carry them."""
    details = _details(config)
    if json_out:
        typer.echo(json.dumps({d: sorted(k) for d, k in details.items()}, indent=2, ensure_ascii=False))
        return
    table = Table("kind", "details")
    by_kind: dict[str, list[str]] = {}
    for detail, kinds in details.items():
        for kind in kinds:
            by_kind.setdefault(kind, []).append(detail)
    for kind, names in sorted(by_kind.items()):
        table.add_row(kind, ", ".join(sorted(names)))
    Console(highlight=False).print(table)


@policy_app.command("show")
def show_cmd(
    pack: Annotated[str, typer.Argument(help="Built-in pack name or path to a pack file.")],
    config: ConfigDetailsOpt = None,
) -> None:
    """Show a pack's rules with effect, reason and citation (also validates a pack file)."""
    from sovgate.catalog import Catalog
    from sovgate.policy import Engine, PolicyError

    try:
        p = Engine({}, Catalog.builtin(), _details(config)).load(pack)
    except PolicyError as exc:
        _die(str(exc))
        return
    console = Console(highlight=False)
    console.print(
        f"[bold]{escape(p.name)}[/bold] — {escape(p.title)}\n{escape(p.description)}\nsource: {p.source}"
    )
    table = Table("rule", "effect", "reason", "citation", show_lines=True)
    for r in p.rules:
        table.add_row(escape(r.key), r.effect, escape(r.fired.reason), escape(r.fired.citation))
    console.print(table)


@policy_app.command("replay")
def replay_cmd(
    audit: Annotated[
        str, typer.Option("--audit", help="Audit log: sqlite:///path, postgresql://..., or a path.")
    ],
    packs: Annotated[
        list[str], typer.Option("--packs", help="Draft pack list (names or files; repeat or comma-separate).")
    ],
    more: Annotated[
        list[str] | None, typer.Argument(help="More packs, e.g. `--packs baseline eu-gdpr`.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Gateway config with the tenants and providers.")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's traffic.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="RFC 3339 start time.")] = None,
    limit: Annotated[int, typer.Option("--show", help="How many changed requests to list.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
) -> None:
    """Re-decide past traffic from the audit log's recorded findings under draft packs; report changes."""
    from sovgate.catalog import Catalog
    from sovgate.classify.details import known_details
    from sovgate.policy import Engine, PolicyError, from_audit, replay

    draft = [p.strip() for item in [*packs, *(more or [])] for p in item.split(",") if p.strip()]
    try:
        from sovgate.gateway.config import load_config  # type: ignore[attr-defined]
    except ImportError:
        _die("replay needs the gateway configuration loader (sovgate.gateway.config)")
        return
    try:
        cfg = load_config(config, resolve_secrets=False)
    except Exception as exc:  # ConfigError names file, key path and reason
        _die(str(exc))
        return
    try:
        engine = Engine.compile(
            draft, cfg.providers, Catalog.builtin(), known_details(cfg.gateway.detection.custom)
        )
    except PolicyError as exc:
        _die(str(exc))
        return
    from sovgate.audit import AuditError, open_log_reader

    url = audit if "://" in audit else f"sqlite:///{audit}"
    try:
        log = open_log_reader(url)  # read-only: replay never writes to the log it reads
    except AuditError as exc:
        _die(str(exc))  # names the path and why
        return
    try:
        records = (r for r in map(from_audit, log.records(since=since, tenant=tenant)) if r is not None)
        report = replay(records, engine, {t.id: t for t in cfg.tenants}, draft)
    except AuditError as exc:  # e.g. a --since that is not an RFC 3339 time or ISO date
        _die(str(exc))
        return
    finally:
        log.close_sync()
    if json_out:
        typer.echo(msgspec.json.format(msgspec.json.encode(report), indent=2).decode())
        return
    console = Console(highlight=False)
    changed = len(report.changes)
    console.print(
        f"replayed {report.total} requests under [bold]{', '.join(draft)}[/bold]: "
        f"{report.unchanged} unchanged, {changed} changed, {report.skipped} skipped (unknown tenant)"
    )
    for kind, n in report.by_kind.items():
        console.print(f"  {kind}: {n}")
    if report.without_details:
        console.print(
            f"{report.without_details} of them were recorded before findings had details (audit leaf v5): "
            "a `details:` condition cannot match those"
        )
    if report.changes:
        table = Table("record", "tenant", "change", "before", "after", "rules (new)")
        for c in report.changes[:limit]:
            before = f"refused by {c.refused_before}" if c.refused_before else ", ".join(c.before) or "-"
            after = f"refused by {c.refused_after}" if c.refused_after else ", ".join(c.after) or "-"
            table.add_row(c.id, c.tenant, c.kind, before, after, ", ".join(c.rules))
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the main app."""
    app.add_typer(policy_app, name="policy")
