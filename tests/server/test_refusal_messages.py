"""A 403 names the providers policy allows that do not serve the requested model."""

from __future__ import annotations

import openai
import pytest

from fakes.doubles_gateway import KEY, Setup


def test_eligible_provider_without_the_model_is_named_in_the_403(gw: Setup) -> None:
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key=KEY, max_retries=0, timeout=10)
    # only the on-prem providers may see VS-NfD; neither serves "embed"
    with pytest.raises(openai.PermissionDeniedError) as exc:
        client.embeddings.create(model="embed", input=["VS-NfD Lagebericht"])
    assert exc.value.code == "policy_denied"
    message = exc.value.message
    assert "us-global excluded by" in message and "fr-sovereign excluded by" in message
    assert "de-onprem is eligible but does not serve model 'embed'" in message
    assert "preview is eligible but does not serve model 'embed'" in message
    assert not gw.us.received and not gw.fr.received
