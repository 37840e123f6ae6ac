"""CLI commands of sovgate.audit (registered on the main `sovgate` app)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the main app."""
