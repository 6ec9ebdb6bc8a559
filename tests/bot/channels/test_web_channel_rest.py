"""The web channel's REST side and the chat box files, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.web_turns import APOLOGY, ASK_FOR_WORDS

if TYPE_CHECKING:
    from conftest import ChannelServer

SENDER = "rest_client_1"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, server: ChannelServer, body: Any, *, raw: bool = False
) -> tuple[int, Any]:
    data = body if raw else json.dumps(body)
    url = f"{server.url}/webhooks/web/webhook"
    async with http.post(url, data=data, headers={"Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_health(server: ChannelServer, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{server.url}/webhooks/web/") as resp:
        assert (resp.status, await resp.json()) == (200, {"status": "ok"})


async def test_a_message_is_answered_with_the_bot_messages(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, server, {"sender": SENDER, "message": "hello"})

    assert status == 200
    assert body == [{"recipient_id": SENDER, "text": "echo: hello"}]
    assert server.rasa.received[0].sender_id == SENDER


async def test_metadata_reaches_rasa(server: ChannelServer, http: aiohttp.ClientSession) -> None:
    metadata = {"customer_token": "v1.a.b"}

    await post(http, server, {"sender": SENDER, "message": "hi", "metadata": metadata})

    assert server.rasa.received[0].metadata == server.with_client(metadata)


async def test_unicode_passes_through_intact(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    message = "\u0623\u064a\u0646 \u0637\u0644\u0628\u064a\u061f \U0001f4e6"

    status, body = await post(http, server, {"sender": SENDER, "message": message})

    assert (status, body[0]["text"]) == (200, f"echo: {message}")


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"[" * 5000 + b"]" * 5000])
async def test_malformed_json_is_a_bad_request(
    server: ChannelServer, http: aiohttp.ClientSession, raw: bytes
) -> None:
    status, body = await post(http, server, raw, raw=True)

    assert (status, body["error"]["code"]) == (400, "bad_request")
    assert body["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (["hello"], "bad_request"),
        ({"message": "hi"}, "bad_request"),
        ({"sender": "x", "message": "hi"}, "bad_request"),
        ({"sender": 12345678, "message": "hi"}, "bad_request"),
        ({"sender": SENDER, "message": 5}, "bad_request"),
        ({"sender": SENDER}, "bad_request"),
        ({"sender": SENDER, "message": ""}, "empty_message"),
        ({"sender": SENDER, "message": " \n "}, "empty_message"),
        ({"sender": SENDER, "message": "a" * 2001}, "message_too_long"),
        ({"sender": SENDER, "message": "hi", "metadata": [1]}, "bad_metadata"),
        ({"sender": SENDER, "message": "hi", "metadata": "{bad"}, "bad_metadata"),
        ({"sender": SENDER, "message": "hi", "metadata": {"n": "\ud800"}}, "bad_metadata"),
    ],
)
async def test_invalid_requests_are_answered_with_400_and_a_code(
    server: ChannelServer, http: aiohttp.ClientSession, payload: Any, code: str
) -> None:
    status, body = await post(http, server, payload)

    assert (status, body["error"]["code"]) == (400, code)
    assert server.rasa.received == []


async def test_too_long_names_the_limit(server: ChannelServer, http: aiohttp.ClientSession) -> None:
    _, body = await post(http, server, {"sender": SENDER, "message": "a" * 5000})

    assert body["error"]["limit"] == 2000


async def test_a_body_over_64_kb_is_413(server: ChannelServer, http: aiohttp.ClientSession) -> None:
    payload = {"sender": SENDER, "message": "hi", "metadata": {"pad": "x" * 70_000}}

    status, body = await post(http, server, payload)

    assert (status, body["error"]["code"]) == (413, "payload_too_large")


async def test_symbols_only_get_asked_for_words(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, server, {"sender": SENDER, "message": "?!"})

    assert (status, body) == (200, [{"recipient_id": SENDER, "text": ASK_FOR_WORDS}])
    assert server.rasa.received == []


async def test_a_failing_turn_gets_an_apology(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    async def crash(_: UserMessage) -> None:
        raise ConnectionError("action server down")

    server.rasa.reply = crash

    status, body = await post(http, server, {"sender": SENDER, "message": "my order"})

    assert (status, body) == (200, [{"recipient_id": SENDER, "text": APOLOGY}])


async def test_a_silent_turn_gets_an_apology(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    async def silent(_: UserMessage) -> None:
        return None

    server.rasa.reply = silent

    status, body = await post(http, server, {"sender": SENDER, "message": "my order"})

    assert (status, body) == (200, [{"recipient_id": SENDER, "text": APOLOGY}])


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("widget.js", "application/javascript"),
        ("widget.css", "text/css"),
        ("chat.js", "application/javascript"),  # the old chat box's names still work
        ("chat.css", "text/css"),
    ],
)
async def test_the_widget_files_are_served_with_types_and_cache_headers(
    server: ChannelServer, http: aiohttp.ClientSession, name: str, content_type: str
) -> None:
    async with http.get(f"{server.url}/webhooks/web/{name}") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith(content_type)
        assert resp.headers["Cache-Control"] == "public, max-age=300"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert len(await resp.read()) > 100
        assert resp.headers["Content-Encoding"] == "gzip"  # aiohttp asks for it, and unpacks
        etag = resp.headers["ETag"]

    async with http.get(
        f"{server.url}/webhooks/web/{name}", headers={"If-None-Match": etag}
    ) as resp:
        assert resp.status == 304


async def test_other_static_names_are_not_served(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    for path in ("chat.jsx", "widget.mjs", "..%2Fweb.py", "shop.py", "..%2Fstatic%2Fwidget.js"):
        async with http.get(f"{server.url}/webhooks/web/{path}") as resp:
            assert resp.status == 404
