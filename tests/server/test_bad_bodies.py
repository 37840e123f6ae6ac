"""Bodies that cannot be read as a JSON object are a 400 in OpenAI format, never a 500."""

from __future__ import annotations

import httpx
import pytest

from fakes.doubles_gateway import KEY, Setup
from sovgate.server._body import MAX_JSON_DEPTH


def _nested(depth: int) -> bytes:
    return (
        b'{"model":"chat","messages":[{"role":"user","content":"hi","x":'
        + b"[" * depth
        + b"]" * depth
        + b"}]}"
    )


@pytest.mark.parametrize(
    ("name", "body", "fragment"),
    [
        (
            "not-utf8",
            b'{"model":"chat","messages":[{"role":"user","content":"\xff\xfe"}]}',
            "not valid UTF-8",
        ),
        ("recursion", _nested(30000), "nested too deeply"),
        ("over-the-cap", _nested(MAX_JSON_DEPTH + 5), "nested too deeply"),
    ],
)
def test_unreadable_body_is_400(gw: Setup, name: str, body: bytes, fragment: str) -> None:
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        content=body,
        headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"},
    )
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["code"] == "invalid_json"
    assert fragment in err["message"]
    assert gw.audit.by_id(r.headers["x-sovgate-decision"]).status == 400
    assert not gw.us.received


def test_nesting_below_the_cap_is_served(gw: Setup) -> None:
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        content=_nested(MAX_JSON_DEPTH - 5),
        headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
