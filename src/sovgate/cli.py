"""The `sovgate` command. Each capability registers its own commands."""

from __future__ import annotations

import typer

from sovgate.audit import cli as audit_cli
from sovgate.catalog import cli as catalog_cli
from sovgate.classify import cli as classify_cli
from sovgate.gateway import cli as gateway_cli
from sovgate.policy import cli as policy_cli

app = typer.Typer(
    name="sovgate",
    help="Sovereignty-aware, OpenAI-compatible AI gateway.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (gateway_cli, classify_cli, catalog_cli, policy_cli, audit_cli):
    module.register(app)


def main() -> None:
    app()
