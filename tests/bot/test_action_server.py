"""The action server's guard, on its own: a fake request (path and headers) is all it reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from bot.action_server import TOKEN_HEADER, ActionTokenError, required_token, token_guard
from bot.settings import Settings

TOKEN = "an-action-token-0123456789abcdef"


@dataclass
class FakeRequest:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


async def test_a_call_with_the_token_goes_through() -> None:
    guard = token_guard(TOKEN)
    assert await guard(FakeRequest("/webhook", {TOKEN_HEADER: TOKEN})) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {TOKEN_HEADER: ""},
        {TOKEN_HEADER: TOKEN[:-1]},
        {TOKEN_HEADER: TOKEN + "x"},
        {"Authorization": f"Bearer {TOKEN}"},
        {TOKEN_HEADER: "\u00e9" * 3},
    ],
)
@pytest.mark.parametrize("path", ["/webhook", "/actions", "/nothing-here"])
async def test_a_call_without_the_token_is_refused(path: str, headers: dict[str, str]) -> None:
    refused = await token_guard(TOKEN)(FakeRequest(path, headers))
    assert refused is not None and refused.status == 401
    assert "customer" not in json.loads(refused.body)["error"]


async def test_the_health_check_needs_no_token() -> None:
    assert await token_guard(TOKEN)(FakeRequest("/health")) is None


def test_the_server_refuses_to_start_without_a_token() -> None:
    with pytest.raises(ActionTokenError, match="CIM_ACTION_TOKEN is not set"):
        required_token(Settings())
    assert required_token(Settings(action_token=TOKEN)) == TOKEN
