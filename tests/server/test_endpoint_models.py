"""Embedding models serve /v1/embeddings only, every other virtual model /v1/chat/completions only."""

from __future__ import annotations

import openai
import pytest

from fakes.doubles_gateway import KEY, Setup


def client(gw: Setup) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=KEY, max_retries=0, timeout=10)


@pytest.mark.parametrize("model", ["chat", "claude"])
def test_chat_model_on_embeddings_is_404(gw: Setup, model: str) -> None:
    with pytest.raises(openai.NotFoundError) as exc:
        client(gw).embeddings.create(model=model, input="x")
    assert exc.value.code == "model_not_found" and exc.value.param == "model"
    assert f"{model!r} is a chat model" in exc.value.message and "embed" in exc.value.message
    assert not gw.us.received and not gw.an.received


def test_embedding_model_on_chat_is_404(gw: Setup) -> None:
    with pytest.raises(openai.NotFoundError) as exc:
        client(gw).chat.completions.create(model="embed", messages=[{"role": "user", "content": "x"}])
    assert exc.value.code == "model_not_found" and "'embed' is an embedding model" in exc.value.message
    assert not gw.us.received


def test_embedding_model_on_embeddings_is_served(gw: Setup) -> None:
    assert client(gw).embeddings.create(model="embed", input="x").data
