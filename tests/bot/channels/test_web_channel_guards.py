"""What the channel refuses before Rasa: typed commands, someone else's conversation over REST,
floods and oversized bodies; and the client key it adds. Real HTTP and socket.io, a fake Rasa."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from bot.channels.clients import CLIENT_KEY
from bot.channels.ratelimit import ChatLimits, Rate
from bot.channels.session_ids import SessionKeys
from bot.channels.web_turns import NOT_A_COMMAND, SLOW_DOWN
from bot.customer_tokens import sign_token

if TYPE_CHECKING:
    from conftest import ChannelServer

SECRET = "guards-test-secret-0123456789"
KEYS = SessionKeys(SECRET)
SENDER = "rest_client_1"


@pytest.fixture
def channel_options() -> dict[str, Any]:
    return {
        "token_secret": SECRET,
        "trusted_proxies": "127.0.0.1",
        "limits": ChatLimits(Rate(5, 1), Rate(3, 1)),
        "max_request_bytes": 100_000,
    }


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def token(customer: str) -> str:
    return sign_token(customer, secret=SECRET, ttl_seconds=600)


async def post(
    http: aiohttp.ClientSession, server: ChannelServer, body: Any, client: str = "192.0.2.1"
) -> tuple[int, Any, Any]:
    url = f"{server.url}/webhooks/web/webhook"
    headers = {"Content-Type": "application/json", "X-Forwarded-For": client}
    async with http.post(url, data=json.dumps(body), headers=headers) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


@pytest.mark.parametrize("command", ["/restart", "/session_start", '/inform{"email":"a@b.co"}'])
async def test_a_typed_command_over_rest_is_refused_politely(
    server: ChannelServer, http: aiohttp.ClientSession, command: str
) -> None:
    status, body, _ = await post(http, server, {"sender": SENDER, "message": command})

    assert (status, body) == (200, [{"recipient_id": SENDER, "text": NOT_A_COMMAND}])
    assert server.rasa.received == []


async def test_a_button_payload_reaches_rasa_in_its_canonical_form(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    payload = '/order_status{ "order_number": 100002 }'

    status, _, _ = await post(http, server, {"sender": SENDER, "message": payload})

    assert status == 200
    assert server.rasa.received[0].text == '/order_status{"order_number":"100002"}'


async def test_a_typed_command_over_socketio_is_refused_politely(server: ChannelServer) -> None:
    client = await server.client()
    session_id = await client.start_session()

    await client.say(session_id, "/session_start")

    assert await client.next_event() == ("bot_uttered", {"text": NOT_A_COMMAND})
    assert server.rasa.received == []


@pytest.mark.parametrize(
    ("owner", "customer", "status"),
    [
        ("C0001", None, 403),  # someone who only knows the id
        ("C0001", "C0002", 403),  # another customer
        ("C0001", "C0001", 200),  # its owner
        (None, None, 200),  # an anonymous visitor's id, without a token
        (None, "C0002", 403),  # ... not with a customer's token
    ],
)
async def test_rest_posts_into_a_signed_session_only_with_its_owners_token(
    server: ChannelServer,
    http: aiohttp.ClientSession,
    owner: str | None,
    customer: str | None,
    status: int,
) -> None:
    body: dict[str, Any] = {"sender": KEYS.issue(owner), "message": "show my account"}
    if customer is not None:
        body["metadata"] = {"customer_token": token(customer)}

    answered, reply, _ = await post(http, server, body)

    assert answered == status
    if status == 403:
        assert reply["error"]["code"] == "session_not_held" and reply["error"]["message"]
        assert server.rasa.received == []


async def test_a_forged_signed_id_is_refused(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    forged = "0" * 32 + "-" + "0" * 24

    status, _, _ = await post(http, server, {"sender": forged, "message": "hi"})

    assert status == 403 and server.rasa.received == []


async def test_the_client_key_is_the_channels_own(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    body = {"sender": SENDER, "message": "hi", "metadata": {CLIENT_KEY: "forged"}}

    await post(http, server, body, client="198.51.100.7")
    await post(http, server, {"sender": "rest_client_2", "message": "hi"}, client="198.51.100.7")

    first, second = server.rasa.received
    assert first.metadata == server.with_client({}, "198.51.100.7")
    assert second.metadata[CLIENT_KEY] == first.metadata[CLIENT_KEY]


async def test_socketio_messages_carry_the_key_of_the_client_that_connected(
    server: ChannelServer,
) -> None:
    client = await server.client(headers={"X-Forwarded-For": "203.0.113.9"})
    session_id = await client.start_session(customData={CLIENT_KEY: "forged"})

    await client.say(session_id, "hi", metadata={CLIENT_KEY: "forged too"})
    await client.next_event()

    assert server.rasa.received[0].metadata == server.with_client({}, "203.0.113.9")


async def test_a_flooding_client_gets_the_polite_answer_without_rasa(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    answers = [
        await post(http, server, {"sender": f"conversation_{n}", "message": "hi"}) for n in range(7)
    ]
    other, _, _ = await post(http, server, {"sender": SENDER, "message": "hi"}, "192.0.2.2")

    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 2
    _, body, headers = answers[-1]
    assert body == [{"recipient_id": "conversation_6", "text": SLOW_DOWN}]
    assert int(headers["Retry-After"]) >= 1
    assert other == 200
    assert len(server.rasa.received) == 6


async def test_a_flooded_conversation_gets_the_polite_answer_on_its_socket(
    server: ChannelServer,
) -> None:
    client = await server.client()
    session_id = await client.start_session()

    for n in range(4):
        await client.say(session_id, f"hi {n}")
    replies = [await client.next_event() for _ in range(4)]

    assert replies.count(("bot_uttered", {"text": SLOW_DOWN})) == 1
    assert len(server.rasa.received) == 3


async def _status_for_headers_alone(url: str, length: int) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /webhooks/web/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {length}\r\n\r\n".encode()
    )
    await writer.drain()
    try:
        return (await asyncio.wait_for(reader.readline(), 3)).strip()
    finally:
        writer.close()


async def test_a_body_over_the_server_limit_is_refused_before_it_is_sent(
    server: ChannelServer,
) -> None:
    status = await _status_for_headers_alone(server.url, 100_001)

    assert status.startswith(b"HTTP/1.1 413 "), status


async def test_a_body_under_the_server_limit_still_gets_the_channels_own_64_kb_check(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    body = {"sender": SENDER, "message": "hi", "metadata": {"pad": "x" * 80_000}}

    status, reply, _ = await post(http, server, body)

    assert (status, reply["error"]["code"]) == (413, "payload_too_large")
