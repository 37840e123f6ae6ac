"""The HTTP edge: the OpenAI-compatible ASGI app."""

from sovgate.server.app import App, create_app

__all__ = ["App", "create_app"]
