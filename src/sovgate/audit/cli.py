"""`sovgate audit ...`: inspect, prove, verify, export and purge the audit log.

Every command takes `--audit URL`; with `--config FILE` the URL is that config's
`gateway.audit`; otherwise sqlite:///./sovgate-audit.db. Proofs and hashes are
printed as lowercase hex in one-line JSON.
"""

from __future__ import annotations

import base64
import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sovgate.audit.log import DEFAULT_URL, AuditError, LogReader, open_audit_log_sync, open_log_reader
from sovgate.audit.merkle import ProofError

audit_app = typer.Typer(
    help="The tamper-evident audit log: checkpoints, proofs, verify, export.", no_args_is_help=True
)
err = Console(stderr=True)

AuditOpt = Annotated[str | None, typer.Option("--audit", help="Log URL: sqlite:///path or postgresql://...")]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Take the log URL from this config's gateway.audit")
]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="The log's signer key file (default: <db>.key)")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="From this time on (RFC 3339, or a date)")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Before this time (RFC 3339, or a date)")]
TenantOpt = Annotated[str | None, typer.Option("--tenant", help="Only this tenant's records")]


def _url(audit: str | None, config: Path | None) -> str:
    if audit:
        return audit
    if config is not None:
        try:  # the gateway's loader, imported only when asked for
            from sovgate.gateway.config import ConfigError, load_config
        except ImportError:
            _fail("--config needs sovgate.gateway.config, which this installation lacks; pass --audit URL")
        try:
            return load_config(config, resolve_secrets=False).gateway.audit
        except ConfigError as e:
            _fail(str(e))
    return DEFAULT_URL


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _reader(audit: str | None, config: Path | None, key: Path | None, vkey: str | None = None) -> LogReader:
    try:
        return open_log_reader(_url(audit, config), key_path=key, vkey=vkey)
    except AuditError as e:
        _fail(str(e))
        raise  # unreachable


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


@audit_app.command()
def checkpoint(audit: AuditOpt = None, config: ConfigOpt = None, key: KeyOpt = None) -> None:
    """Print the latest signed checkpoint (C2SP tlog-checkpoint signed note)."""
    log = _reader(audit, config, key)
    try:
        sys.stdout.write(log.checkpoint())
    except AuditError as e:
        _fail(str(e))
    finally:
        log.close_sync()


@audit_app.command("key")
def key_cmd(audit: AuditOpt = None, config: ConfigOpt = None, key: KeyOpt = None) -> None:
    """Print the log's verifier key (note vkey format); creates the log and key on first use."""
    try:
        log = open_audit_log_sync(_url(audit, config), key_path=key)
    except AuditError as e:
        _fail(str(e))
        return
    try:
        sys.stdout.write(log.vkey() + "\n")
    finally:
        log.close_sync()


@audit_app.command("witness-key")
def witness_key(
    config: Annotated[Path, typer.Option("--config", help="The config whose gateway.witness to use")],
) -> None:
    """Print the verifier key of this gateway's witness (gateway.witness), creating its key on
    first use: the peers pass it to `sovgate audit cosign --witness-vkey`."""
    from sovgate.gateway.config import ConfigError, load_config
    from sovgate.gateway.runtime import open_witness

    try:
        cfg = load_config(config, resolve_secrets=False)
        witness = open_witness(cfg)
    except ConfigError as e:
        _fail(str(e))
        return
    settings = cfg.gateway.witness
    if witness is None or settings is None:
        _fail(f"{config}: gateway.witness is not set")
        return
    # relative key paths are relative to the working directory, as `serve` reads them
    err.print(f"witness key file: {Path(settings.key).resolve()}", highlight=False)
    sys.stdout.write(witness.signer.vkey() + "\n")


@audit_app.command()
def proof(
    index: Annotated[int | None, typer.Option("--index", help="Leaf index for an inclusion proof")] = None,
    size: Annotated[int | None, typer.Option("--size", help="Tree size (default: the signed head)")] = None,
    consistency: Annotated[
        tuple[int, int] | None, typer.Option("--consistency", help="M N: consistency proof from size M to N")
    ] = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Print an inclusion proof (--index I [--size N]) or a consistency proof (--consistency M N)."""
    if (index is None) == (consistency is None):
        _fail("give either --index I [--size N] or --consistency M N")
    log = _reader(audit, config, key)
    try:
        if consistency is not None:
            _print_json(log.consistency_proof(consistency[0], consistency[1]).to_json())
        else:
            _print_json(log.inclusion_proof(index, size).to_json())  # type: ignore[arg-type]
    except (ProofError, LookupError) as e:
        _fail(str(e))
    finally:
        log.close_sync()


@audit_app.command()
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record id (x-sovgate-decision header)")],
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Print a record with its leaf index, leaf hash and exact leaf bytes (base64)."""
    log = _reader(audit, config, key)
    try:
        entry = log.entry(record_id)
        if entry is None:
            ahead = next((r for r in log.store.pending() if r[0] == record_id), None)
            if ahead is not None:
                provider = json.loads(ahead[2]).get("provider")
                _fail(
                    f"no record with id {record_id!r} in the log yet: the request is in flight at "
                    f"{provider!r} (its write-ahead record is appended when it ends, or when its "
                    "gateway has stopped and another opens the log)",
                    1,
                )
                return
            _fail(f"no record with id {record_id!r}", 1)
            return
        out: dict = {"index": entry.idx, "leaf_hash": entry.leaf_hash.hex()}
        if entry.payload is None:
            out |= {"record": None, "purged": True}
        else:  # the exact leaf bytes too, so anyone can recompute SHA-256(0x00 ‖ leaf)
            out |= {"record": json.loads(entry.payload), "leaf": base64.b64encode(entry.payload).decode()}
        _print_json(out)
    finally:
        log.close_sync()


@audit_app.command()
def verify(
    vkey: Annotated[
        str | None, typer.Option("--vkey", help="Trusted log verifier key (default: from the key file)")
    ] = None,
    witness: Annotated[
        list[str] | None, typer.Option("--witness", help="Witness vkey whose cosignatures to check")
    ] = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Recompute every leaf, node and root; check every signature and checkpoint consistency."""
    from sovgate.audit.note import NoteError, Verifier
    from sovgate.audit.verify import TamperError, verify_log

    log = _reader(audit, config, key, vkey)
    try:
        witnesses = [Verifier.from_vkey(w) for w in witness or ()]
        total = log.size()
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("verify", total=total)
            result = verify_log(log, witnesses=witnesses, progress=lambda n: bar.update(task, completed=n))
    except TamperError as e:
        err.print(f"[red]FAILED[/red] {e}", highlight=False)
        raise typer.Exit(1) from None
    except (AuditError, NoteError) as e:
        _fail(str(e))
        return
    finally:
        log.close_sync()
    print(
        f"OK: {result.size} entries, root {result.root.hex()}, {result.checkpoints} checkpoints consistent, "
        f"{result.purged} payloads purged by retention ({result.purges} signed purges)"
    )
    if result.in_flight:
        print(
            f"{result.in_flight} write-ahead records outside the tree: requests in flight, or of a "
            "gateway that stopped (appended by the next one to open the log)"
        )
    for size, names in sorted(result.witnessed.items()):
        print(f"checkpoint {size} cosigned by {', '.join(names)}")


@audit_app.command("cross-check")
def cross_check_cmd(
    peer_audit: Annotated[str, typer.Option("--peer-audit", help="The peer gateway's log URL")],
    peer_provider: Annotated[
        str, typer.Option("--peer-provider", help="The peer's provider id in this gateway's config")
    ],
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Federation: every request this log sent to the peer gateway is in the peer's log, naming it
    back, and the peer recorded nothing as forwarded from here that this log did not send."""
    from sovgate.audit.federation import cross_check

    log = _reader(audit, config, key)
    try:
        peer = open_log_reader(peer_audit)
    except AuditError as e:
        log.close_sync()
        _fail(f"{peer_audit}: {e}")
        return
    try:
        result = cross_check(log.records(), log.origin, peer_provider, peer.records())
    finally:
        log.close_sync()
        peer.close_sync()
    problems = (
        ("sent with the peer's record id, not in the peer's log", result.missing_at_peer),
        ("the peer's record names another request", result.mismatched),
        ("in the peer's log as forwarded from here, never sent from here", result.unknown_at_sender),
        ("sent, no record id came back (the peer may not have received it)", result.unconfirmed),
    )
    for title, items in problems:
        if items:
            err.print(f"{len(items)} {title}:", highlight=False)
            for item in items[:20]:
                err.print(f"  {item}", highlight=False)
            if len(items) > 20:
                err.print(f"  ... and {len(items) - 20} more", highlight=False)
    verdict = "OK" if result.ok else "FAILED"
    print(
        f"{verdict}: {result.matched} requests sent to {peer_provider} found in its log, naming each other; "
        f"{len(result.missing_at_peer) + len(result.mismatched)} not, "
        f"{len(result.unknown_at_sender)} unknown here, {len(result.unconfirmed)} unconfirmed"
    )
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    since: SinceOpt = None,
    until: UntilOpt = None,
    tenant: TenantOpt = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Also requests that reached no provider")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Records of processing: cross-border flows (who, what, whose, where to, under which rule)."""
    from sovgate.audit.export import FLOW_COLUMNS, csv_row, flow_rows

    if fmt not in ("jsonl", "csv"):
        _fail("--format must be jsonl or csv")
    log = _reader(audit, config, key)
    try:
        records = log.records(since, until, tenant)
    except AuditError as e:
        log.close_sync()
        _fail(str(e))
        return
    out = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        rows = flow_rows(records, include_all=include_all)
        if fmt == "csv":
            w = csv.writer(out)
            w.writerow(FLOW_COLUMNS)
            for row in rows:
                w.writerow(csv_row(row))
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        log.close_sync()
        if output:
            out.close()


@audit_app.command()
def report(
    since: SinceOpt = None,
    until: UntilOpt = None,
    tenant: TenantOpt = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="The same tables as one JSON object.")] = False,
) -> None:
    """The flow matrix: subject jurisdiction × destination (hosting) jurisdiction × category."""
    from sovgate.audit.export import flow_report

    log = _reader(audit, config, key)
    try:
        matrix, excluded, detectors, sent = flow_report(log.records(since, until, tenant))
    except AuditError as e:
        _fail(str(e))
        return
    finally:
        log.close_sync()
    if json_out:
        print(json.dumps(_report_json(matrix, excluded, detectors, sent), ensure_ascii=False, indent=2))
        return
    table = Table(title="Data flows: requests by subjects' jurisdiction, destination and category")
    for col in ("subjects", "destination (hosting)", "category", "requests"):
        table.add_column(col, justify="right" if col == "requests" else "left")
    for (subject, dest, cat), n in sorted(matrix.items()):
        style = "bold red" if subject != dest and "-" not in (subject, dest) else None
        table.add_row(subject, dest, cat, str(n), style=style)
    Console().print(table)
    if not matrix:
        print("no flows in this period")
    if excluded:
        why = Table(title="Providers excluded: requests by provider and the first rule that excluded it")
        for col in ("provider", "rule", "requests"):
            why.add_column(col, justify="right" if col == "requests" else "left")
        for (provider, rule), n in sorted(excluded.items()):
            why.add_row(provider, rule, str(n))
        Console().print(why)
    if detectors:
        own = Table(title="The organization's own detectors: requests in which each matched")
        for col in ("detector", "requests"):
            own.add_column(col, justify="right" if col == "requests" else "left")
        for name, n in sorted(detectors.items()):
            own.add_row(name, str(n))
        Console().print(own)
    if sent:
        Console().print(_sent_table(sent))


def _report_json(
    matrix: Counter[tuple[str, str, str]],
    excluded: Counter[tuple[str, str]],
    detectors: Counter[str],
    sent: Counter[tuple[str, str, str, bool]],
) -> dict[str, list[dict[str, str | int]]]:
    """`report --json`: each table as a list of rows, in the order the tables print them."""
    return {
        "flows": [
            {"subjects": s, "destination": d, "category": c, "requests": n}
            for (s, d, c), n in sorted(matrix.items())
        ],
        "excluded": [{"provider": p, "rule": r, "requests": n} for (p, r), n in sorted(excluded.items())],
        "detectors": [{"detector": d, "requests": n} for d, n in sorted(detectors.items())],
        "sent": [
            {"kind": k, "detail": d, "destination": dest, "in_the_clear": clear, "pseudonymized": masked}
            for (k, d, dest), (clear, masked) in _by_finding(sent)
        ],
    }


def _by_finding(sent: Counter[tuple[str, str, str, bool]]) -> list[tuple[tuple[str, str, str], list[int]]]:
    """(kind, detail, destination) -> [requests in the clear, pseudonymized], sorted."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for (kind, detail, dest, masked), n in sent.items():
        rows.setdefault((kind, detail, dest), [0, 0])[masked] += n
    return sorted(rows.items())


def _sent_table(sent: Counter[tuple[str, str, str, bool]]) -> Table:
    """Requests served, by what they carried (kind and detail: which ID scheme, marking, secret
    type) and where it went, in the clear or pseudonymized for that provider."""
    table = Table(title="What was sent where: requests by kind, detail and destination (hosting)")
    for col in ("kind", "detail", "destination (hosting)", "in the clear", "pseudonymized"):
        table.add_column(col, justify="right" if col in ("in the clear", "pseudonymized") else "left")
    for (kind, detail, dest), (in_clear, pseudonymized) in _by_finding(sent):
        table.add_row(kind, detail, dest, str(in_clear), str(pseudonymized))
    return table


@audit_app.command()
def purge(
    older_than_days: Annotated[
        int | None, typer.Option("--older-than-days", help="Retention in days (default 183, six months)")
    ] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant (per-tenant retention)")
    ] = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Remove record payloads older than the retention; leaf hashes stay, so proofs still verify.
    The purge is recorded first as a signed admin record (audit.purge: cutoff, count, tenant)."""
    if older_than_days is not None and older_than_days < 0:
        _fail("--older-than-days must be >= 0")
    url = _url(audit, config)
    _reader(audit, config, key).close_sync()  # the log must exist: purge never creates one
    try:
        log = open_audit_log_sync(url, key_path=key)
    except AuditError as e:
        _fail(str(e))
        return
    try:
        days = log.retention_days if older_than_days is None else older_than_days
        n = log.purge(days, tenant)
    except AuditError as e:
        _fail(str(e))
        return
    finally:
        log.close_sync()
    who = f" of tenant {tenant}" if tenant else ""
    print(f"purged the payloads of {n} records{who} older than {days} days (leaf hashes kept)")


@audit_app.command()
def cosign(
    witness_url: Annotated[str, typer.Option("--witness", help="The witness's add-checkpoint URL")],
    witness_vkey: Annotated[str, typer.Option("--witness-vkey", help="The witness's cosignature/v1 vkey")],
    size: Annotated[int | None, typer.Option("--size", help="Checkpoint size (default: the latest)")] = None,
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Have a witness cosign a checkpoint (C2SP tlog-witness) and store its cosignature."""
    from sovgate.audit.note import NoteError, Verifier
    from sovgate.audit.witness import WitnessError, request_cosignature

    log = _reader(audit, config, key)
    try:
        witness = Verifier.from_vkey(witness_vkey)
        cps = log.checkpoints()
        if not cps:
            _fail("the log has no checkpoint yet")
        target = cps[-1].size if size is None else size
        lines = request_cosignature(witness_url, log, target)
        sys.stdout.write(log.add_cosignatures(target, lines, [witness]))
    except (NoteError, AuditError, WitnessError) as e:
        _fail(str(e))
    finally:
        log.close_sync()


@audit_app.command()
def tiles(
    out: Annotated[Path, typer.Option("--out", help="Directory to write checkpoint and tile/ into")],
    audit: AuditOpt = None,
    config: ConfigOpt = None,
    key: KeyOpt = None,
) -> None:
    """Export the log as static C2SP tlog-tiles (checkpoint, hash tiles, entry bundles)."""
    from sovgate.audit.note import NoteError
    from sovgate.audit.tiles import write_tiles

    log = _reader(audit, config, key)
    try:
        w = write_tiles(log, out)
    except (AuditError, NoteError, OSError) as e:
        _fail(str(e))
        return
    finally:
        log.close_sync()
    pruned = f", {w.pruned_bundles} bundles pruned by retention" if w.pruned_bundles else ""
    print(f"wrote tiles for {w.size} entries to {out}: {w.hash_tiles} hash tiles, ", end="")
    print(f"{w.entry_bundles} entry bundles{pruned}")


def register(app: typer.Typer) -> None:
    """Add the `sovgate audit` group to the main app."""
    app.add_typer(audit_app, name="audit")
