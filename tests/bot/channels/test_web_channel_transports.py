"""The transports a browser uses: raw Engine.IO v4 over WebSocket, and CORS for polling.

The chat box speaks Engine.IO/Socket.IO itself over the browser's WebSocket; this drives
the same frames from Python to pin the protocol down, including the origin checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import websockets

if TYPE_CHECKING:
    from conftest import ChannelServer

SHOP = "http://shop.test:8000"
EVIL = "http://evil.test"
ONLY_SHOP = {"cors_allowed_origins": [SHOP]}


async def recv(ws: Any) -> str:
    return str(await asyncio.wait_for(ws.recv(), 5))


async def event(ws: Any) -> list[Any]:
    """The next event, skipping the widget's typing indicator (other clients ignore it)."""
    while True:
        frame = await recv(ws)
        assert frame.startswith("42"), frame
        data = list(json.loads(frame[2:]))
        if data[0] != "typing":
            return data


async def emit(ws: Any, name: str, data: Any) -> None:
    await ws.send("42" + json.dumps([name, data]))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def ws_url(server: ChannelServer) -> str:
    return server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"


async def test_websocket_transport_carries_a_conversation(server: ChannelServer) -> None:
    async with websockets.connect(ws_url(server), extra_headers={"Origin": SHOP}) as ws:
        opened = await recv(ws)
        assert opened.startswith("0") and json.loads(opened[1:])["sid"]
        await ws.send("40")
        assert (await recv(ws)).startswith("40{")
        await emit(ws, "session_request", {"session_id": "ws_session_1", "customData": {"a": 1}})
        assert await event(ws) == ["session_confirm", "ws_session_1"]
        await emit(ws, "user_uttered", {"session_id": "ws_session_1", "message": "hi"})

        assert await event(ws) == ["bot_uttered", {"text": "echo: hi"}]
    assert server.rasa.received[0].metadata == server.with_client({"a": 1})


async def test_websocket_client_that_answers_pings_stays_connected(server: ChannelServer) -> None:
    server.channel.sio.eio.ping_interval = 0.2

    async with websockets.connect(ws_url(server)) as ws:
        await recv(ws)
        await ws.send("40")
        await recv(ws)
        for _ in range(3):
            assert await recv(ws) == "2"
            await ws.send("3")
        await emit(ws, "session_request", {"session_id": "ws_session_2"})

        assert await event(ws) == ["session_confirm", "ws_session_2"]


@pytest.mark.parametrize("channel_options", [ONLY_SHOP])
async def test_websocket_from_an_unlisted_origin_is_refused(server: ChannelServer) -> None:
    with pytest.raises(websockets.InvalidStatusCode) as refused:
        async with websockets.connect(ws_url(server), extra_headers={"Origin": EVIL}):
            pass

    assert refused.value.status_code == 400


async def poll(http: aiohttp.ClientSession, server: ChannelServer, origin: str) -> Any:
    url = f"{server.url}/socket.io/?EIO=4&transport=polling&t=1"
    async with http.get(url, headers={"Origin": origin}) as resp:
        await resp.read()
        return resp


@pytest.mark.parametrize("rasa_cors", [None, "*"])
@pytest.mark.parametrize("channel_options", [ONLY_SHOP, {"cors_allowed_origins": ["*"]}])
async def test_polling_from_the_shop_gets_exactly_one_allow_origin_header(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    resp = await poll(http, server, SHOP)

    assert resp.status == 200
    assert resp.headers.getall("Access-Control-Allow-Origin") == [SHOP]


@pytest.mark.parametrize("rasa_cors", [None, "*"])
@pytest.mark.parametrize("channel_options", [ONLY_SHOP])
async def test_polling_from_an_unlisted_origin_is_refused(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    resp = await poll(http, server, EVIL)

    assert resp.status == 400
    assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize(("rasa_cors", "allowed"), [("*", [SHOP]), ("", [])])
async def test_without_channel_origins_polling_follows_rasas_cors_option(
    server: ChannelServer, http: aiohttp.ClientSession, allowed: list[str]
) -> None:
    resp = await poll(http, server, SHOP)

    assert resp.status == 200
    assert resp.headers.getall("Access-Control-Allow-Origin", []) == allowed


@pytest.mark.parametrize("rasa_cors", [""])
async def test_without_channel_origins_websocket_is_open_to_any_origin_like_rasa(
    server: ChannelServer,
) -> None:
    async with websockets.connect(ws_url(server), extra_headers={"Origin": EVIL}) as ws:
        assert (await recv(ws)).startswith("0")


@pytest.mark.parametrize(
    "frame",
    [
        '42["user_uttered",' + "[" * 5000 + "]" * 5000 + "]",  # too deep for json
        "42" + json.dumps(["user_uttered", {"message": "x" * 70_000}]),  # over max payload
        "42not json",
        "4",
        "9999",
    ],
)
async def test_hostile_frames_do_not_take_the_server_down(
    server: ChannelServer, frame: str
) -> None:
    async with websockets.connect(ws_url(server)) as ws:
        await recv(ws)
        await ws.send("40")
        await recv(ws)
        await ws.send(frame)
        # Frames are read in order: an answer to this one (or the socket closed) means the
        # server has dealt with the hostile frame.
        with contextlib.suppress(websockets.ConnectionClosed):
            await emit(ws, "session_request", {"session_id": "same_socket"})
            await recv(ws)

    async with websockets.connect(ws_url(server)) as ws:
        await recv(ws)
        await ws.send("40")
        await recv(ws)
        await emit(ws, "session_request", {"session_id": "after_attack"})
        await event(ws)
        await emit(ws, "user_uttered", {"session_id": "after_attack", "message": "hello"})

        assert await event(ws) == ["bot_uttered", {"text": "echo: hello"}]
    assert [m.text for m in server.rasa.received] == ["hello"]


async def test_stopping_the_server_tells_clients_to_go_at_once(server: ChannelServer) -> None:
    async with websockets.connect(ws_url(server)) as ws:
        await recv(ws)
        await ws.send("40")
        await recv(ws)

        await server.channel.close_sockets()  # what Sanic's before_server_stop runs

        assert await recv(ws) == "1"  # Engine.IO CLOSE: the browser reconnects right away


async def _polling_session(http: aiohttp.ClientSession, server: ChannelServer) -> str:
    """An engine.io polling session, connected to the socket.io namespace: its URL."""
    base = f"{server.url}/socket.io/?EIO=4&transport=polling"
    async with http.get(base) as resp:
        sid = json.loads((await resp.text())[1:])["sid"]
    url = f"{base}&sid={sid}"
    async with http.post(url, data=b"40") as resp:
        assert resp.status == 200
    async with http.get(url) as resp:
        assert (await resp.text()).startswith("40")
    return url


async def test_a_polling_body_over_the_packet_limit_is_refused_at_once(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    url = await _polling_session(http, server)
    body = ("42" + json.dumps(["user_uttered", {"message": "x" * 70_000}])).encode()

    async with http.post(url, data=body, timeout=aiohttp.ClientTimeout(total=3)) as resp:
        assert resp.status == 413


async def test_a_post_after_the_client_closed_its_session_is_a_bad_request(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    url = await _polling_session(http, server)
    async with http.post(url, data=b"1") as resp:  # engine.io CLOSE from the client
        assert resp.status == 200

    async with http.post(url, data=b'42["session_request",{}]') as resp:
        assert resp.status == 400


@pytest.mark.parametrize("body", [b"6", b"2", b"0", b"x", b"40\x1e6", b"40\x1e"])
async def test_a_packet_a_client_does_not_send_is_refused_at_once(
    server: ChannelServer, http: aiohttp.ClientSession, body: bytes
) -> None:
    url = await _polling_session(http, server)

    async with http.post(url, data=body, timeout=aiohttp.ClientTimeout(total=3)) as resp:
        assert resp.status == 400
    async with http.post(url, data=b"42" + json.dumps(["session_request", {}]).encode()) as resp:
        assert resp.status == 200  # the session is still there
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as resp:
        assert "session_confirm" in await resp.text()
