"""One adapter per configured provider, sharing one pooled keep-alive HTTP client (`_http`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from sovgate.types import Provider
from sovgate.upstream._base import Adapter
from sovgate.upstream._http import HttpPool
from sovgate.upstream.openai import OpenAIAdapter, PeerAdapter
from sovgate.upstream.preview import PreviewAdapter


class UpstreamPool:
    """Create inside the event loop that will use it (`await pool.close()` on shutdown)."""

    def __init__(self, providers: Iterable[Provider], env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        self._http = HttpPool()
        self.adapters: dict[str, Adapter] = {}
        for p in providers:
            key = env.get(p.api_key_env) if p.api_key_env else None
            if p.protocol == "preview":
                self.adapters[p.id] = PreviewAdapter(p)
            elif p.protocol == "anthropic":
                from sovgate.upstream.anthropic import AnthropicAdapter

                self.adapters[p.id] = AnthropicAdapter(p, self._http, key)
            elif p.protocol == "sovgate":
                self.adapters[p.id] = PeerAdapter(p, self._http, key)
            else:
                self.adapters[p.id] = OpenAIAdapter(p, self._http, key)

    def __getitem__(self, provider_id: str) -> Adapter:
        return self.adapters[provider_id]

    async def close(self) -> None:
        await self._http.close()
