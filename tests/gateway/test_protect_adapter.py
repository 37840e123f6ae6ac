"""The pipeline's protector: concurrent requests, with and without a conversation's vault."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sovgate.classify import Classifier
from sovgate.gateway._protect_adapter import Protector
from sovgate.messages import extract_segments
from sovgate.protect import MemoryVault
from sovgate.types import ENTITY_TYPES, ProviderVerdict

VERDICT = ProviderVerdict("us", True, frozenset(ENTITY_TYPES))


def _request(text: str) -> tuple[dict[str, Any], list, Any]:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    segments = extract_segments(body)
    return body, segments, Classifier.default().classify(segments)


async def test_requests_protected_in_the_same_turn_each_get_their_own_masking() -> None:
    protector = Protector()
    emails = [f"kunde{i}@beispiel.de" for i in range(4)]
    reqs = [_request(f"Bitte an {e} schreiben.") for e in emails]
    done = await asyncio.gather(*(protector(b, s, c, VERDICT) for b, s, c in reqs))
    for (body, _, _), protected, email in zip(reqs, done, emails, strict=True):
        assert protected is not None and protected.types == ("EMAIL",)
        sent = json.dumps(protected.body)
        assert email not in sent and "[EMAIL_1]" in sent  # a fresh session per request
        assert email in json.dumps(body)  # the client's body is left as it was
        assert protected.restore("Gesendet an [EMAIL_1].") == f"Gesendet an {email}."


async def test_concurrent_turns_of_one_conversation_all_get_the_same_token() -> None:
    # turns of one conversation in flight together share its session (its values, its tokens)
    protector = Protector(vault=MemoryVault())
    reqs = [_request(f"Turn {i}: Anna Schmidt, anna.schmidt@beispiel.de") for i in range(4)]
    done = await asyncio.gather(*(protector(b, s, c, VERDICT, "t:h:conv-1") for b, s, c in reqs))
    tokens = set()
    for protected in done:
        assert protected is not None
        sent = protected.body["messages"][0]["content"]
        assert "anna.schmidt@beispiel.de" not in sent and "Anna Schmidt" not in sent
        tokens.add(sent.split(": ", 1)[1])
    assert tokens == {"[PERSON_1], [EMAIL_1]"}
