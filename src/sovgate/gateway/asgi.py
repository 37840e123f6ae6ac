"""ASGI entry point for `serve --workers N`: each worker process builds its own app."""

from __future__ import annotations

import os

from sovgate.gateway.config import load_config
from sovgate.gateway.runtime import build_components, open_gateway
from sovgate.server import App, create_app

CONFIG_ENV = "SOVGATE_CONFIG"


def app_from_config(path: str | None) -> App:
    config = load_config(path)
    components = build_components(config)
    return create_app(lambda: open_gateway(config, components))


def from_env() -> App:
    """uvicorn factory: the config path comes from $SOVGATE_CONFIG (empty: embedded default)."""
    return app_from_config(os.environ.get(CONFIG_ENV) or None)
