"""Acceptance: `gateway.pseudonyms.style: surrogate` — the US provider sees realistic fakes of the same kind,
the client gets the real values back (issue 5 item 2)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from stdnum import iban, luhn

from fakes.e2e_gateway import serve_cli
from fakes.openai_upstream import FakeOpenAI

TEXT = (
    "Bitte schreibe an Herrn Jürgen Müller, jmueller@example.de, Tel. +49 30 1234567, "
    "IBAN DE89 3704 0044 0532 0130 00, Karte 4111 1111 1111 1111."
)
VALUES = (
    "Jürgen Müller",
    "jmueller@example.de",
    "1234567",
    "DE89 3704 0044 0532 0130 00",
    "4111 1111 1111 1111",
)


@pytest.fixture(scope="module")
def surrogate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[openai.OpenAI, FakeOpenAI]]:
    tmp = tmp_path_factory.mktemp("surrogate")
    fake = FakeOpenAI("us").start()
    try:
        template = string.Template((Path(__file__).parent / "testdata" / "surrogate.yaml").read_text())
        (tmp / "surrogate.yaml").write_text(template.substitute(us=fake.base_url))
        with serve_cli(["--config", "surrogate.yaml"], cwd=tmp, env={"S_KEY": "key-s"}) as url:
            yield openai.OpenAI(base_url=url + "/v1", api_key="key-s", max_retries=0, timeout=20), fake
    finally:
        fake.stop()


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_surrogates_upstream_real_values_back(
    surrogate: tuple[openai.OpenAI, FakeOpenAI], stream: bool
) -> None:
    client, fake = surrogate
    fake.reset()
    fake.chunk_chars = 1
    messages = [{"role": "user", "content": TEXT}]
    if stream:
        chunks = client.chat.completions.create(model="chat", messages=messages, stream=True)
        answer = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        answer = client.chat.completions.create(model="chat", messages=messages).choices[0].message.content
    assert answer == f"echo: {TEXT}"
    sent = fake.received[0].body["messages"][0]["content"]
    for value in VALUES:
        assert value not in sent, f"{value!r} reached the US provider"
    assert "[" not in sent, "surrogate style must not send placeholders"
    fake_iban = re.search(r"IBAN ([A-Z]{2}[0-9 A-Z]+?),", sent).group(1)  # type: ignore[union-attr]
    assert fake_iban.startswith("DE") and iban.is_valid(fake_iban)
    fake_card = re.search(r"Karte ([0-9 ]+)\.", sent).group(1)  # type: ignore[union-attr]
    assert luhn.is_valid(fake_card.replace(" ", ""))
    assert re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", sent)  # an e-mail address of some kind
