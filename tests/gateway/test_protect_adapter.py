"""The pipeline's protector: concurrent requests, with and without a conversation's vault."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from sovgate.classify import Classifier
from sovgate.gateway._protect_adapter import Protector
from sovgate.gateway._protection import ProtectionImpossible
from sovgate.messages import extract_segments
from sovgate.protect import MemoryVault, PseudonymSession
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


class _RacyVault(MemoryVault):
    """Loses the save race `losses` times, as a Redis vault does when another turn saved first."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses, self.loads = losses, 0

    async def load(self, conversation_id: str) -> PseudonymSession:
        self.loads += 1
        return await super().load(conversation_id)

    async def save(self, session: PseudonymSession) -> bool:
        if self.losses:
            self.losses -= 1
            return False
        return await super().save(session)


async def test_a_lost_save_race_loads_and_masks_once_more() -> None:
    vault = _RacyVault(losses=1)
    body, segments, found = _request("Anna Schmidt, anna.schmidt@beispiel.de")
    protected = await Protector(vault=vault)(body, segments, found, VERDICT, "t:h:conv-2")
    assert protected is not None and "anna.schmidt@beispiel.de" not in json.dumps(protected.body)
    assert vault.loads == 2


async def test_a_conversation_that_keeps_losing_the_race_is_refused() -> None:
    vault = _RacyVault(losses=2)
    body, segments, found = _request("Anna Schmidt, anna.schmidt@beispiel.de")
    with pytest.raises(ProtectionImpossible, match="kept losing races"):
        await Protector(vault=vault)(body, segments, found, VERDICT, "t:h:conv-3")
    assert vault.loads == 2
