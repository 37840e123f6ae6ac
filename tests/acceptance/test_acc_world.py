"""Acceptance: tenants in China, Russia, India, the UAE and Saudi Arabia with their packs (issue 4), one fake
upstream per jurisdiction, driven through the openai SDK; each fake's record shows who saw what."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from fakes.e2e_gateway import serve_cli
from fakes.openai_upstream import FakeOpenAI

COUNTRIES = ("us", "fr", "cn", "ru", "in", "ae", "sa")
PROVIDER = {"us": "us-global", "fr": "fr-sovereign"} | {c: f"{c}-local" for c in COUNTRIES[2:]}


class World:
    def __init__(self, url: str, fakes: dict[str, FakeOpenAI]):
        self.url, self.fakes = url, fakes

    def ask(self, tenant: str, text: str) -> tuple[str, str]:
        client = openai.OpenAI(base_url=self.url + "/v1", api_key=f"key-{tenant}", max_retries=0, timeout=20)
        raw = client.chat.completions.with_raw_response.create(
            model="chat", messages=[{"role": "user", "content": text}]
        )
        assert raw.parse().choices[0].message.content == f"echo: {text}"
        return raw.headers["x-sovgate-provider"], raw.headers["x-sovgate-decision"]

    def receivers(self) -> set[str]:
        return {PROVIDER[c] for c, fake in self.fakes.items() if fake.received}

    def sent_to(self, provider: str) -> str:
        country = next(c for c, p in PROVIDER.items() if p == provider)
        return " ".join(r.text for r in self.fakes[country].received)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("world")
    fakes = {c: FakeOpenAI(c).start() for c in COUNTRIES}
    try:
        template = string.Template((Path(__file__).parent / "testdata" / "world.yaml").read_text())
        (tmp / "world.yaml").write_text(template.substitute({c: f.base_url for c, f in fakes.items()}))
        keys = {f"W_{c.upper()}": f"key-{c}" for c in COUNTRIES[2:]}
        with serve_cli(["--config", "world.yaml"], cwd=tmp, env=keys) as url:
            yield World(url, fakes)
    finally:
        for fake in fakes.values():
            fake.stop()


@pytest.fixture
def w(world: World) -> World:
    for fake in world.fakes.values():
        fake.reset()
    return world


@pytest.mark.parametrize(
    ("tenant", "text", "provider"),
    [
        ("cn", "请给客户张伟打电话，电话号码是 +86 138 0013 8000，确认订单。", "cn-local"),
        ("cn", "客户的身份证号是 11010519491231002X ，请核对。", "cn-local"),
        ("cn", "电话：138-0013-8000，客户李明", "cn-local"),
        ("cn", "Customer Zhang Wei, zhang.wei@163.com, wants a refund.", "cn-local"),
        ("ru", "Customer Ivan Petrov, ivan.petrov@mail.ru, has diabetes.", "ru-local"),
        ("ae", "Patient Ahmed Al Mansouri, Emirates ID 784-1990-1234567-6, has asthma.", "ae-local"),
        ("sa", "Customer Abdullah Alqahtani, abdullah@example.sa, diagnosed with diabetes.", "sa-local"),
        ("in", "Card 4111 1111 1111 1111 of Priya Patel for the refund.", "in-local"),
    ],
    ids=[
        "cn-phone-zh",
        "cn-resident-id",
        "cn-phone-cue",
        "cn-email",
        "ru-health",
        "ae-health",
        "sa-health",
        "in-card",
    ],
)
def test_data_that_must_stay_in_country_stays_there(w: World, tenant: str, text: str, provider: str) -> None:
    got, _ = w.ask(tenant, text)
    assert got == provider
    assert w.receivers() == {provider}, "a provider the decision excluded received the request"


@pytest.mark.parametrize(
    ("tenant", "text", "values"),
    [
        (
            "ru",
            "Customer Ivan Petrov, ivan.petrov@mail.ru, wants a callback.",
            ["Ivan Petrov", "ivan.petrov@mail.ru"],
        ),
        ("ru", "Клиент просит перезвонить: телефон +7 912 345-67-89.", ["912 345-67-89"]),
        ("sa", "المواطن رقم الهوية 1012345672، جوال 0501234567", ["1012345672", "0501234567"]),
        (
            "ae",
            "Customer Ahmed Al Mansouri, ahmed@example.ae, wants a refund.",
            ["Ahmed Al Mansouri", "ahmed@example.ae"],
        ),
    ],
    ids=["ru-latin", "ru-phone-cyrillic", "sa-id-phone-arabic", "ae-latin"],
)
def test_personal_data_goes_abroad_only_pseudonymized(
    w: World, tenant: str, text: str, values: list[str]
) -> None:
    got, _ = w.ask(tenant, text)
    assert got == "us-global"
    sent = w.sent_to("us-global")
    for value in values:
        assert value not in sent, f"{value!r} reached us-global in the clear"


def test_plain_requests_go_to_the_first_preference_everywhere(w: World) -> None:
    for tenant in ("cn", "ru", "in", "ae", "sa"):
        got, _ = w.ask(tenant, "Summarize the history of the printing press in three sentences.")
        assert got == "us-global"
    assert w.receivers() == {"us-global"}
