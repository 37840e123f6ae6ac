"""A Redis pseudonym vault shared by `serve --workers 2`: one conversation, one mapping, any worker.

Uses the running Redis on 127.0.0.1:6379, else one started by pytest-redis.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import openai
import pytest

from fakes.e2e_gateway import serve_cli as serve
from fakes.redis_server import redis_url as shared_redis_url
from sovgate.gateway.config import load_config


def test_workers_share_one_conversation_mapping(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from sovgate.protect import generate_vault_key

    redis_url = shared_redis_url(request, 15)
    default = load_config(None).text
    config = tmp_path / "sovgate.yaml"
    config.write_text(
        default.replace(
            "  audit: sqlite:///./sovgate-audit.db",
            f"  audit: sqlite:///./sovgate-audit.db\n  pseudonyms: {{vault: '{redis_url}'}}",
        )
    )
    env = {"SOVGATE_VAULT_KEY": generate_vault_key()}
    conversation = {"x-sovgate-conversation": uuid.uuid4().hex}
    with serve(["--config", str(config), "--workers", "2"], tmp_path, env) as url:

        def outbound(text: str) -> str:
            # a fresh client (connection) per turn, so turns land on either worker
            client = openai.OpenAI(base_url=url + "/v1", api_key="sovgate-demo", max_retries=0)
            answer = client.chat.completions.create(
                model="chat", messages=[{"role": "user", "content": text}], extra_headers=conversation
            )
            return json.loads(answer.choices[0].message.content)["body"]["messages"][0]["content"]

        assert outbound("Mail an jonas.weber@beispiel.de") == "Mail an [EMAIL_1]"
        for _ in range(4):
            assert (
                outbound("cc lena.fischer@beispiel.de, jonas.weber@beispiel.de") == "cc [EMAIL_2], [EMAIL_1]"
            )
