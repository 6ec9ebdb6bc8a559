"""A hung action server costs a few seconds (CIM_ACTION_TIMEOUT_SECONDS), not Rasa's 300."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches
from bot.settings import Settings


async def _run(url: str, **endpoint_options: Any) -> list[Any]:
    """Rasa's whole `RemoteAction.run`, as the processor calls it."""
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    action = RemoteAction("action_x", EndpointConfig(url, **endpoint_options))
    return await action.run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker("timeout", []),
        Domain.empty(),
    )


async def _seconds_until_cut_off(url: str, **endpoint_options: Any) -> float:
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await _run(url + "/hang", **endpoint_options)
    return time.monotonic() - started


async def test_a_hung_action_server_is_cut_off_after_the_setting(action_server: Any) -> None:
    _, url = action_server
    rasa_patches.install(Settings(action_timeout_seconds=0.5))
    assert 0.4 < await _seconds_until_cut_off(url) < 5
    assert await _run(url) == []  # an answered call is Rasa's


async def test_an_endpoints_own_request_timeout_wins(action_server: Any) -> None:
    _, url = action_server
    rasa_patches.install(Settings(action_timeout_seconds=20))
    assert await _seconds_until_cut_off(url, request_timeout=0.3) < 5


@pytest.mark.parametrize("value", [0, -1, "soon", float("nan")])
async def test_a_bad_request_timeout_is_refused(action_server: Any, value: Any) -> None:
    _, url = action_server
    rasa_patches.install(Settings())
    with pytest.raises(ValueError, match="request_timeout"):
        await _run(url, request_timeout=value)


def test_zero_leaves_rasas_own_limit() -> None:
    rasa_run = RemoteAction.run
    assert "RemoteAction.run" not in rasa_patches.install(Settings(action_timeout_seconds=0))
    assert RemoteAction.run is rasa_run
    assert "RemoteAction.run" in rasa_patches.install(Settings(rasa_speed_patches=False))
