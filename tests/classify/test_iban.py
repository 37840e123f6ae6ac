"""The fast IBAN check gives python-stdnum's answer for every input."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from sovgate.classify.iban import is_valid_iban

_STRUCT = re.compile(r"(\d+)!([nac])")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALPHABET = {"n": "0123456789", "a": _LETTERS, "c": "0123456789" + _LETTERS}


def _registry() -> dict[str, str]:
    """Country code -> BBAN structure ("8!n10!n"), from stdnum's registry file."""
    out = {}
    for _length, low, _high, props, _children in stdnum_iban._ibandb.prefixes:
        if "bban" in props:
            out[low] = props["bban"]
    return out


REGISTRY = _registry()


def _random_iban(cc: str, rng: random.Random) -> str:
    parts = _STRUCT.findall(REGISTRY[cc])
    bban = "".join(rng.choice(_ALPHABET[kind]) for count, kind in parts for _ in range(int(count)))
    return cc + stdnum_iban.calc_check_digits(cc + "00" + bban) + bban


def test_registry_is_read() -> None:
    assert len(REGISTRY) > 70 and REGISTRY["DE"] == "8!n10!n"


@pytest.mark.parametrize("cc", sorted(REGISTRY))
def test_every_country_agrees_on_valid_and_altered_numbers(cc: str) -> None:
    rng = random.Random(cc)
    for _ in range(20):
        number = _random_iban(cc, rng)
        assert is_valid_iban(number) == stdnum_iban.is_valid(number), number
        # one character changed: the checksum (or a national check) usually fails
        i = rng.randrange(2, len(number))
        altered = number[:i] + rng.choice(_ALPHABET["c"]) + number[i + 1 :]
        assert is_valid_iban(altered) == stdnum_iban.is_valid(altered), altered
        # one character too many or too few: the structure fails
        for odd in (number + "0", number[:-1]):
            assert is_valid_iban(odd) == stdnum_iban.is_valid(odd), odd


def test_known_answers() -> None:
    assert is_valid_iban("DE89370400440532013000")
    assert not is_valid_iban("DE89370400440532013001")
    assert not is_valid_iban("XX89370400440532013000")  # no such country
    # mod 97 holds but Germany's BBAN is 18 digits, not 17 and a letter
    bban = "37040044053201300A"
    assert not is_valid_iban("DE" + stdnum_iban.calc_check_digits("DE00" + bban) + bban)


def test_a_national_check_is_applied() -> None:
    """Belgium: stdnum checks the BBAN's own check digits; numbers passing mod 97 alone fail."""
    rng = random.Random(7)
    rejected = 0
    for _ in range(200):
        number = _random_iban("BE", rng)  # mod 97 holds by construction
        rejected += not is_valid_iban(number)
        assert is_valid_iban(number) == stdnum_iban.is_valid(number)
    assert rejected >= 190  # a random BBAN passes the national check about once in 97 tries


@settings(max_examples=400)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ abc-é", min_size=0, max_size=40))
def test_any_text_agrees(text: str) -> None:
    assert is_valid_iban(text) == stdnum_iban.is_valid(text)


@settings(max_examples=300)
@given(st.sampled_from(sorted(REGISTRY)), st.randoms(use_true_random=False))
def test_generated_numbers_agree(cc: str, rng: random.Random) -> None:
    number = _random_iban(cc, rng)
    assert is_valid_iban(number) == stdnum_iban.is_valid(number)
