"""The web channel over socket.io, with a real python-socketio client and a fake Rasa."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.session_ids import SIGNED_PATTERN
from bot.channels.web import WebChatInput
from bot.channels.web_turns import APOLOGY, ASK_FOR_WORDS

if TYPE_CHECKING:
    from conftest import ChannelServer

SESSION = "session_0001"
TOKEN = "v1.payload.signature"


async def test_session_confirm_keeps_a_well_formed_client_session_id(server: ChannelServer) -> None:
    client = await server.client()

    assert await client.start_session(SESSION) == SESSION


@pytest.mark.parametrize("requested", [None, "", "short", "../../etc", "x" * 65, 12345678])
async def test_session_request_without_a_usable_id_gets_a_new_one(
    server: ChannelServer, requested: Any
) -> None:
    client = await server.client()

    confirmed = await client.start_session(requested)

    assert confirmed != requested
    assert SIGNED_PATTERN.fullmatch(confirmed)  # 128 random bits and a MAC, see sessions.py


async def test_bot_reply_reaches_the_sender(server: ChannelServer) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "Where is my order?")

    assert await client.next_event() == ("bot_uttered", {"text": "echo: Where is my order?"})
    assert server.rasa.received[0].sender_id == SESSION
    assert server.rasa.received[0].input_channel == "web"


async def test_a_reloaded_page_with_the_same_session_id_receives_the_conversation(
    server: ChannelServer,
) -> None:
    first = await server.client()
    await first.start_session(SESSION)
    await first.say(SESSION, "hello")
    assert await first.next_event() == ("bot_uttered", {"text": "echo: hello"})
    await server.drop(first)

    reloaded = await server.client()
    await reloaded.start_session(SESSION)
    await reloaded.say(SESSION, "still there?")

    assert await reloaded.next_event() == ("bot_uttered", {"text": "echo: still there?"})
    assert [m.sender_id for m in server.rasa.received] == [SESSION, SESSION]


async def test_every_tab_of_a_session_receives_the_bot_messages(server: ChannelServer) -> None:
    tab_one, tab_two = await server.client(), await server.client()
    await tab_one.start_session(SESSION)
    await tab_two.start_session(SESSION)

    await tab_one.say(SESSION, "hi")

    assert await tab_one.next_event() == ("bot_uttered", {"text": "echo: hi"})
    assert await tab_two.next_event() == ("bot_uttered", {"text": "echo: hi"})


async def test_a_new_session_request_leaves_the_previous_conversation(
    server: ChannelServer,
) -> None:
    switcher, stayer = await server.client(), await server.client()
    await switcher.start_session(SESSION)
    await stayer.start_session(SESSION)
    await switcher.start_session("session_0002")

    await stayer.say(SESSION, "hi")

    assert await stayer.next_event() == ("bot_uttered", {"text": "echo: hi"})
    assert await switcher.no_event()


async def test_session_metadata_is_merged_under_each_message_metadata(
    server: ChannelServer,
) -> None:
    client = await server.client()
    await client.start_session(SESSION, customData={"customer_token": TOKEN, "locale": "en"})

    await client.say(SESSION, "my orders", metadata={"locale": "de", "page": "/cart"})
    await client.next_event()
    await client.say(SESSION, "and refunds")
    await client.next_event()

    first, second = server.rasa.received
    assert first.metadata == server.with_client(
        {"customer_token": TOKEN, "locale": "de", "page": "/cart"}
    )
    assert second.metadata == server.with_client({"customer_token": TOKEN, "locale": "en"})


async def test_metadata_may_be_a_json_string_as_rasa_allows(server: ChannelServer) -> None:
    client = await server.client()
    await client.start_session(SESSION, metadata=json.dumps({"customer_token": TOKEN}))

    await client.say(SESSION, "hi", customData=json.dumps({"page": "/"}))
    await client.next_event()

    assert server.rasa.received[0].metadata == server.with_client(
        {"customer_token": TOKEN, "page": "/"}
    )


@pytest.mark.parametrize(
    "metadata", [["not", "an", "object"], "{not json", "42", 7, {"blob": "x" * 9000}]
)
async def test_bad_metadata_is_answered_with_an_error_and_not_passed_on(
    server: ChannelServer, metadata: Any
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "hi", metadata=metadata)

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_metadata")
    assert server.rasa.received == []


async def test_bad_metadata_in_session_request_is_rejected(server: ChannelServer) -> None:
    client = await server.client()

    await client.sio.emit("session_request", {"session_id": SESSION, "customData": "[1]"})

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_metadata")


async def test_a_failing_turn_gets_an_apology(server: ChannelServer) -> None:
    async def crash(_: UserMessage) -> None:
        raise RuntimeError("action server down")

    server.rasa.reply = crash
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "where is my order")

    assert await client.next_event() == ("bot_uttered", {"text": APOLOGY})


async def test_a_silent_turn_gets_an_apology(server: ChannelServer) -> None:
    async def silent(_: UserMessage) -> None:
        return None

    server.rasa.reply = silent
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "where is my order")

    assert await client.next_event() == ("bot_uttered", {"text": APOLOGY})
    assert await client.no_event()


async def test_the_guard_stays_quiet_where_silence_is_intended(server: ChannelServer) -> None:
    async def silent(_: UserMessage) -> None:
        return None

    server.rasa.reply = silent
    server.channel.expects_bot_reply = lambda sender_id: sender_id != SESSION  # type: ignore
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "a message for the human agent")

    assert await client.no_event()
    assert len(server.rasa.received) == 1


@pytest.mark.parametrize("message", ["", "   ", "\n\t  \u3000"])
async def test_empty_messages_are_answered_with_an_error(
    server: ChannelServer, message: str
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, message)

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "empty_message")
    assert server.rasa.received == []


async def test_a_too_long_message_is_answered_with_the_limit(server: ChannelServer) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "a" * 2001)

    name, payload = await client.next_event()
    assert (name, payload["code"], payload["limit"]) == ("error", "message_too_long", 2000)
    assert server.rasa.received == []


async def test_a_message_at_the_limit_passes(server: ChannelServer) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "a" * 2000)

    assert (await client.next_event())[0] == "bot_uttered"


@pytest.mark.parametrize(
    "message", ["?!", "\U0001f44d", "   ...", "\u2764\ufe0f\u2764\ufe0f", ":-)"]
)
async def test_a_message_without_words_is_asked_to_be_put_in_words(
    server: ChannelServer, message: str
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, message)

    assert await client.next_event() == ("bot_uttered", {"text": ASK_FOR_WORDS})
    assert server.rasa.received == []


@pytest.mark.parametrize("data", ["hello", 42, ["user_uttered", "hi"], None, True])
async def test_a_payload_that_is_not_an_object_is_a_bad_request(
    server: ChannelServer, data: Any
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.sio.emit("user_uttered", data)

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_request")
    assert payload["message"]


@pytest.mark.parametrize("message", [None, 123, {"text": "hi"}, ["hi"]])
async def test_a_message_that_is_not_a_string_is_a_bad_request(
    server: ChannelServer, message: Any
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, message)

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_request")
    assert server.rasa.received == []


@pytest.mark.parametrize(
    "data",
    [
        {"session_id": SESSION, "message": b"\x89PNG\r\n"},
        {"session_id": SESSION, "message": "look", "attachment": b"\x00\x01"},
        b"\x00raw bytes",
    ],
)
async def test_binary_attachments_are_a_bad_request(server: ChannelServer, data: Any) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.sio.emit("user_uttered", data)

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_request")
    assert "Binary" in payload["message"]
    assert server.rasa.received == []


@pytest.mark.parametrize(
    "message",
    [
        "Où est ma commande n\u00b0 100234 ?",
        "\u0623\u064a\u0646 \u0637\u0644\u0628\u064a\u061f",  # Arabic, right to left
        "\u200f\u05d0\u05d9\u05e4\u05d4 \u05d4\u05d4\u05d6\u05de\u05e0\u05d4?",  # Hebrew, RLM
        "\u6ce8\u6587\u306f\u3069\u3053\uff1f",
        "my order \U0001f4e6 #100234 \U0001f469\u200d\U0001f4bb",
        "line one\nline two",
    ],
)
async def test_unicode_text_passes_through_intact(server: ChannelServer, message: str) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, message)

    assert await client.next_event() == ("bot_uttered", {"text": f"echo: {message}"})
    assert server.rasa.received[0].text == message


async def test_a_message_for_another_session_is_rejected(server: ChannelServer) -> None:
    victim, attacker = await server.client(), await server.client()
    await victim.start_session(SESSION)
    await attacker.start_session("attacker_01")

    await attacker.say(SESSION, "show me the orders")

    name, payload = await attacker.next_event()
    assert (name, payload["code"]) == ("error", "bad_session")
    assert server.rasa.received == []
    assert await victim.no_event()


async def test_a_message_before_session_request_is_rejected(server: ChannelServer) -> None:
    client = await server.client()

    await client.say(SESSION, "hello")

    name, payload = await client.next_event()
    assert (name, payload["code"]) == ("error", "bad_session")
    assert server.rasa.received == []


async def test_the_connection_keeps_working_after_an_error(server: ChannelServer) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.sio.emit("user_uttered", "nonsense")
    await client.say(SESSION, "")
    await client.say(SESSION, "hello")

    events = [await client.next_event() for _ in range(3)]
    assert [name for name, _ in events] == ["error", "error", "bot_uttered"]


async def test_bot_messages_keep_rasas_socketio_shapes(server: ChannelServer) -> None:
    async def rich(message: UserMessage) -> None:
        out, to = message.output_channel, message.sender_id
        buttons = [{"title": "Track order", "payload": "/order_status"}]
        await out.send_text_with_buttons(to, "Pick one", buttons)
        await out.send_image_url(to, "https://shop.test/a.png")
        await out.send_custom_json(to, {"data": {"type": "card"}})
        await out.send_custom_json(to, {"widget": "map"})

    server.rasa.reply = rich
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "hi")

    events = [await client.next_event() for _ in range(4)]
    assert events == [
        (
            "bot_uttered",
            {
                "text": "Pick one",
                "quick_replies": [
                    {"content_type": "text", "title": "Track order", "payload": "/order_status"}
                ],
            },
        ),
        (
            "bot_uttered",
            {"attachment": {"type": "image", "payload": {"src": "https://shop.test/a.png"}}},
        ),
        ("bot_uttered", {"type": "card"}),
        ("bot_uttered", {"custom": {"widget": "map"}}),
    ]


@pytest.mark.parametrize("channel_options", [{"session_persistence": False}])
async def test_without_persistence_the_socket_is_the_conversation(
    server: ChannelServer,
) -> None:
    client = await server.client()
    await client.start_session(SESSION)

    await client.say("ignored", "hello")

    assert await client.next_event() == ("bot_uttered", {"text": "echo: hello"})
    assert server.rasa.received[0].sender_id == client.sio.get_sid()


def test_credentials_defaults() -> None:
    channel = WebChatInput.from_credentials(None)

    assert isinstance(channel, WebChatInput)
    assert channel.session_persistence is True
    assert channel.cors_allowed_origins is None
    assert (channel.max_message_length, channel.max_metadata_bytes) == (2000, 8192)
    assert (channel.user_message_evt, channel.bot_message_evt) == ("user_uttered", "bot_uttered")


def test_credentials_accept_origins_as_a_comma_separated_string() -> None:
    credentials = {"cors_allowed_origins": "http://127.0.0.1:8000, http://localhost:8000/"}

    channel = WebChatInput.from_credentials(credentials)

    assert isinstance(channel, WebChatInput)
    assert channel.cors_allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]
