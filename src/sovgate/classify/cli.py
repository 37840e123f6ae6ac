"""CLI commands of sovgate.classify (registered on the main `sovgate` app)."""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from sovgate.classify._link import summarize_categories
from sovgate.types import ENTITY_TYPES


class _Record(msgspec.Struct):
    id: str | int
    text: str
    lang: str | None = None


_decoder = msgspec.json.Decoder(_Record)
_encoder = msgspec.json.Encoder()


def detect(
    file: Annotated[
        str, typer.Argument(help="JSONL file of {id, text[, lang]} records, or - for stdin")
    ] = "-",
    config: Annotated[
        str | None,
        typer.Option("--config", help="With this config's own detectors and allowed terms (detection)"),
    ] = None,
) -> None:
    """Detect sensitive data in JSONL records; one JSONL result line per record on stdout."""
    if file != "-" and not Path(file).is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    from sovgate.classify import Classifier  # imported here: keeps `sovgate --help` fast

    t0 = time.perf_counter()
    clf = _configured(config) if config is not None else Classifier.default()
    out = sys.stdout
    meta = {"ready": True, "load_seconds": round(time.perf_counter() - t0, 3), "ner_model": None}
    out.write(_encoder.encode({"_meta": meta}).decode() + "\n")
    out.flush()
    with nullcontext(sys.stdin.buffer) if file == "-" else Path(file).open("rb") as src:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                rec = _decoder.decode(line)
            except msgspec.ValidationError as exc:
                typer.echo(f"{file}:{lineno}: invalid record: {exc}", err=True)
                raise typer.Exit(2) from None
            except msgspec.DecodeError as exc:
                typer.echo(f"{file}:{lineno}: invalid JSON: {exc}", err=True)
                raise typer.Exit(2) from None
            findings = clf.detect(rec.text, rec.lang)
            entities = [
                {
                    "type": f.kind,
                    "start": f.start,
                    "end": f.end,
                    "score": f.score,
                    "jurisdiction": f.jurisdiction,
                }
                for f in findings
                if f.kind in ENTITY_TYPES
            ]
            cats = sorted(summarize_categories(findings))
            out.write(_encoder.encode({"id": rec.id, "entities": entities, "categories": cats}).decode())
            out.write("\n")
    out.flush()


def _configured(path: str) -> Any:
    from sovgate.gateway.config import ConfigError, load_config
    from sovgate.gateway.runtime import classifier_for

    try:
        return classifier_for(load_config(path, resolve_secrets=False))
    except ConfigError as exc:
        typer.echo(f"sovgate: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the main app."""
    app.command("detect")(detect)
    if app.registered_callback is None:
        # keep `sovgate detect ...` a subcommand even while it is the only command registered
        app.callback()(_root)


def _root() -> None:
    """Sovereignty-aware, OpenAI-compatible AI gateway."""
