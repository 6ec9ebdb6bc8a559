"""Action-server calls over kept sessions send, return and fail as Rasa's own calls do."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import rasa_patches
from bot.rasa_patches import action_sessions as patch


async def _calls(url: str) -> list[tuple[str, Any]]:
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    endpoint = EndpointConfig(
        url,
        params={"p": "1"},
        headers={"X-Custom": "yes"},
        token="secret",
        basic_auth={"username": "u", "password": "pw"},
    )
    results: list[tuple[str, Any]] = []
    for subpath in (None, "text", "missing", None):
        try:
            reply = await endpoint.request(json={"next_action": "a"}, subpath=subpath)
            results.append(("ok", reply))
        except ClientResponseError as error:
            results.append(("error", error.status))
    return results


def _without_peer(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in request.items() if k != "peer"} for request in seen]


async def test_action_calls_send_and_return_what_rasas_do(action_server: Any) -> None:
    server, url = action_server
    rasa = await _calls(url)
    rasa_seen, server.seen = server.seen, []
    rasa_patches.install()
    kept = await _calls(url)
    assert kept == rasa
    assert _without_peer(server.seen) == _without_peer(rasa_seen)
    assert rasa[0] == ("ok", {"events": [], "echo": {"next_action": "a"}})


async def test_action_calls_reuse_one_connection(action_server: Any) -> None:
    server, url = action_server
    await _calls(url)
    assert len({r["peer"] for r in server.seen}) == 4  # Rasa: a new connection per call
    server.seen = []
    rasa_patches.install()
    await _calls(url)
    assert len({r["peer"] for r in server.seen}) == 1


async def test_an_idle_connection_is_dropped_before_the_server_drops_it(
    action_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.utils.endpoints import EndpointConfig

    server, url = action_server
    monkeypatch.setattr(patch, "KEEPALIVE_SECONDS", 0.2)
    rasa_patches.install()
    endpoint = EndpointConfig(url)
    await endpoint.request(json={"n": 1})
    await endpoint.request(json={"n": 2})
    await asyncio.sleep(0.6)  # idle for longer than our keep-alive
    assert (await endpoint.request(json={"n": 3}))["echo"] == {"n": 3}
    peers = [r["peer"] for r in server.seen]
    assert peers[0] == peers[1] != peers[2]
