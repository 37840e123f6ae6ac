"""The outbound request: auth styles, URL joining, model mapping."""

from __future__ import annotations

import pytest

from sovgate.types import Provider
from sovgate.upstream._outbound import auth_headers, endpoint_url, upstream_body


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("bearer", {"authorization": "Bearer K"}),
        ("api-key", {"api-key": "K"}),  # Azure OpenAI
        ("x-api-key", {"x-api-key": "K"}),  # Anthropic
        ("x-goog-api-key", {"x-goog-api-key": "K"}),  # Gemini
        ("none", {}),
    ],
)
def test_auth_styles(style: str, expected: dict[str, str]) -> None:
    assert auth_headers(style, "K") == expected
    assert auth_headers(style, None) == {}


def test_endpoint_url_keeps_query_last() -> None:
    assert (
        endpoint_url("https://x.example/v1/", "/chat/completions") == "https://x.example/v1/chat/completions"
    )
    assert (
        endpoint_url("https://acme.openai.azure.com/openai/v1?api-version=preview", "/embeddings")
        == "https://acme.openai.azure.com/openai/v1/embeddings?api-version=preview"
    )


def test_model_mapping_copies_only_when_needed() -> None:
    p = Provider(id="p", models={"chat": "mistral-large-latest"})
    body = {"model": "chat", "messages": []}
    mapped = upstream_body(p, body)
    assert mapped == {"model": "mistral-large-latest", "messages": []} and body["model"] == "chat"
    same = {"model": "mistral-large-latest", "messages": []}
    assert upstream_body(p, same) is same
