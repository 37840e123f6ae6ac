"""The glue: configuration, the request pipeline, and the `serve` / `explain` / `init` commands.

    config = load_config("sovgate.yaml")            # ConfigError: file:line: key.path: reason
    async with open_gateway(config) as gateway:     # classifier, policies, upstreams, audit log
        answer = await gateway.handle(request)      # what sovgate.server does per request

See docs/configuration.md and docs/api.md.
"""

from sovgate.gateway.config import Config, ConfigError, load_config, parse_config
from sovgate.gateway.pipeline import Gateway, JsonAnswer, Request, StreamAnswer, plan
from sovgate.gateway.runtime import build_components, open_gateway

__all__ = [
    "Config",
    "ConfigError",
    "Gateway",
    "JsonAnswer",
    "Request",
    "StreamAnswer",
    "build_components",
    "load_config",
    "open_gateway",
    "parse_config",
    "plan",
]
