"""CLI commands of sovgate.catalog: `sovgate catalog list | show | advise`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from sovgate.catalog._catalog import Catalog
from sovgate.catalog._presets import PresetInfo

catalog_app = typer.Typer(
    name="catalog",
    help="The catalog of AI systems, their operators, hosting and jurisdictions.",
    no_args_is_help=True,
)


def _die(message: str) -> None:
    Console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _matches(info: PresetInfo, codes: frozenset[str]) -> bool:
    p = info.provider
    return bool({p.operator_country, info.country, *p.hosting} & codes) or (
        info.country in ("EU", "EEA") and bool(codes & set(Catalog.builtin().expand([info.country])))
    )


def _row(info: PresetInfo, cat: Catalog) -> dict[str, Any]:
    p = info.provider
    return {
        "id": info.id,
        "name": info.name,
        "kind": info.kind,
        "protocol": p.protocol,
        "base_url": p.base_url,
        "auth": p.auth,
        "operator": p.operator,
        "operator_country": p.operator_country,
        "hosting": list(info.hosting_declared),
        "on_prem": p.on_prem,
        "exposure": list(p.exposure),
        "open_weights": info.open_weights,
        "license": info.license,
        "initiative": info.initiative,
        "country": info.country,
        "models": p.models,
        "status": info.fact.status,
        "flags": info.flags,
        "sources": list(info.fact.sources),
        "checked": info.fact.checked,
        "note": info.note,
    }


@catalog_app.command("list")
def list_cmd(
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction",
            "-j",
            help="Only systems operated, hosted or originating there (ISO codes or EU/EEA, comma-separated).",
        ),
    ] = None,
    open_weights: Annotated[
        bool, typer.Option("--open-weights", help="Only systems with open weights.")
    ] = False,
    wide: Annotated[
        bool, typer.Option("--wide", "-w", help="All columns: operator, protocol, base URL, auth, flags.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List catalog presets with operator, hosting, exposure and how well each fact is verified."""
    cat = Catalog.builtin()
    entries = list(cat.entries())
    if jurisdiction:
        try:
            codes = frozenset(cat.expand(_codes(jurisdiction)) + tuple(_codes(jurisdiction)))
        except KeyError as exc:
            _die(str(exc.args[0]))
            return
        entries = [e for e in entries if _matches(e, codes)]
    if open_weights:
        entries = [e for e in entries if e.open_weights]
    if json_out:
        typer.echo(json.dumps([_row(e, cat) for e in entries], indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False)
    table = _wide_table(entries) if wide else _narrow_table(entries)
    console.print(table)
    console.print(
        "op: operator's country; status: V verified, S secondary source, U unverified (* some facts"
        " weaker); --wide for protocol, base URL and auth; `catalog show ID` for sources"
    )


def _hosting(e: PresetInfo, limit: int = 0) -> str:
    codes = list(e.hosting_declared)
    if not codes:
        return "where you run it" if e.provider.on_prem else "global"
    if limit and len(codes) > limit:
        return ", ".join(codes[:limit]) + f" +{len(codes) - limit}"
    return ", ".join(codes)


def _narrow_table(entries: list[PresetInfo]) -> Table:
    # Fits 80 columns: ids never wrap; long host lists are shortened (--wide / show for all).
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("preset", no_wrap=True)
    table.add_column("op", no_wrap=True)
    table.add_column("hosting", max_width=18)
    table.add_column("exposure", no_wrap=True)
    table.add_column("weights", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for e in entries:
        p = e.provider
        table.add_row(
            e.id,
            "self" if p.on_prem else p.operator_country or "?",
            _hosting(e, limit=3),
            ", ".join(p.exposure) or "-",
            "open" if e.open_weights else "-",
            e.fact.status + ("*" if e.flags else ""),
        )
    return table


def _wide_table(entries: list[PresetInfo]) -> Table:
    table = Table(
        "preset",
        "kind",
        "operator",
        "hosting",
        "exposure",
        "open weights",
        "protocol",
        "base URL",
        "auth",
        "status",
    )
    for e in entries:
        p = e.provider
        operator = "you (self-hosted)" if p.on_prem else f"{p.operator} ({p.operator_country})"
        flags = ", ".join(f"{k}:{v}" for k, v in e.flags.items())
        table.add_row(
            e.id,
            e.kind,
            operator,
            _hosting(e),
            ", ".join(p.exposure) or "none",
            "yes" if e.open_weights else "no",
            p.protocol,
            p.base_url or "-",
            p.auth,
            e.fact.status + (f" ({flags})" if flags else ""),
        )
    return table


@catalog_app.command("show")
def show_cmd(preset: Annotated[str, typer.Argument(help="Preset id.")]) -> None:
    """Every fact of one preset with its sources and verification status."""
    cat = Catalog.builtin()
    try:
        info = cat.info(preset)
    except KeyError as exc:
        _die(str(exc))
        return
    table = Table("fact", "value", "status", show_header=True)
    for key, value in _row(info, cat).items():
        if key in ("status", "flags", "sources", "checked"):
            continue
        shown = (
            ", ".join(value)
            if isinstance(value, list)
            else json.dumps(value)
            if isinstance(value, dict)
            else str(value)
        )
        table.add_row(key, shown, info.status_of(key))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"checked {info.fact.checked}; sources:")
    for s in info.fact.sources:
        console.print(f"  {s}")


@catalog_app.command("advise")
def advise_cmd(
    operates_in: Annotated[
        str, typer.Option("--operates-in", help="Countries you operate in, e.g. DE,FR,CN,AE.")
    ],
    data: Annotated[
        str, typer.Option("--data", help="Data classes, e.g. health,personal,financial.")
    ] = "personal",
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Per country and data class: eligible providers and self-hostable models under the packs there."""
    from sovgate.policy import DATA_CLASSES, Advice, advise

    cat = Catalog.builtin()
    classes = [d.strip().lower() for d in data.split(",") if d.strip()]
    try:
        advice = advise(_codes(operates_in), classes, cat)
    except ValueError as exc:
        hint = f" (data classes: {', '.join(DATA_CLASSES)})" if "data class" in str(exc) else ""
        _die(f"{exc}{hint}")
        return
    if json_out:
        typer.echo(msgspec.json.format(msgspec.json.encode(advice), indent=2).decode())
        return
    console = Console(highlight=False)
    by_country: dict[str, list[Advice]] = {}
    for a in advice:
        by_country.setdefault(a.country, []).append(a)
    for country, rows in by_country.items():
        first = rows[0]
        national = [i for i in first.initiatives if i not in first.programmes]
        found = "; ".join(
            part
            for part in (
                f"state-backed: {', '.join(first.programmes)}" if first.programmes else "",
                f"national providers: {', '.join(national)}" if national else "",
            )
            if part
        )
        console.print(
            f"\n[bold]{cat.name(country)} ({country})[/bold] — packs: {', '.join(first.packs)}\n"
            f"sovereign initiatives: {found or 'none in the catalog (nor in the reference)'}"
        )
        table = Table(
            "data",
            "in the clear",
            "pseudonymized only",
            "self-hosted in country",
            "why: rules fired (citation) -> systems excluded",
        )
        for a in rows:
            if a.refused:
                table.add_row(a.data, f"[red]refused by {a.refused}[/red]", "", "", "")
                continue
            why = "\n".join(
                f"{w.rule} ({w.citation})" + (f" -> {len(w.excluded)} excluded" if w.excluded else "")
                for w in a.rules
            )
            table.add_row(
                a.data,
                ", ".join(a.clear) or "-",
                ", ".join(a.pseudonymized) or "-",
                ", ".join(a.self_hosted) or "-",
                why or "no rule fired",
            )
        console.print(table)
        for a in rows:
            for note in a.notes:
                console.print(f"[yellow]{country} {a.data}:[/yellow] {note}")


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the main app."""
    app.add_typer(catalog_app, name="catalog")
