"""The web channel's HTTP routes: health, the REST webhook and the chat box's files.

The REST webhook is Rasa's (`POST {sender, message, metadata}` -> the bot's messages), with
the socket.io side's guards: bad input gets 400, a body over 64 KB 413, a message over the
client's or the conversation's rate 429 with Retry-After (and the polite reply in the shape
of a bot message, so a client shows it), and one of our signed session ids is accepted only
with its owner's token (403 otherwise, bot/channels/session_ids.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rasa.core.channels.channel import CollectingOutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import feedback
from bot.channels import validation as checks
from bot.channels.clients import with_client
from bot.channels.session_ids import may_post, owner_from_metadata
from bot.channels.static import static_file
from bot.channels.validation import InvalidInput
from bot.channels.web_turns import SLOW_DOWN, OnNewMessage, answer

if TYPE_CHECKING:
    from bot.channels.web_protocol import WebChannel

MAX_BODY_BYTES = 64 * 1024  # REST bodies and socket.io packets


def add_routes(bp: Blueprint, channel: WebChannel, on_new_message: OnNewMessage) -> None:
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def webhook(request: Request) -> HTTPResponse:
        return await rest_message(channel, request, on_new_message)

    async def widget_js(request: Request) -> HTTPResponse:
        return static_file(request, "widget.js")

    async def widget_css(request: Request) -> HTTPResponse:
        return static_file(request, "widget.css")

    bp.add_route(health, "/", methods=["GET"])
    bp.add_route(webhook, "/webhook", methods=["POST"])
    bp.add_route(widget_js, "/widget.js", methods=["GET"])
    bp.add_route(widget_css, "/widget.css", methods=["GET"])
    # The chat box's old names, for pages that still embed them.
    bp.add_route(widget_js, "/chat.js", methods=["GET"], name="chat_js")
    bp.add_route(widget_css, "/chat.css", methods=["GET"], name="chat_css")


async def rest_message(
    channel: WebChannel, request: Request, on_new_message: OnNewMessage
) -> HTTPResponse:
    if len(request.body or b"") > MAX_BODY_BYTES:
        message = f"The body exceeds {MAX_BODY_BYTES} bytes."
        return rest_error(413, "payload_too_large", message)
    try:
        sender_id, text, metadata = _parse(channel, request)
    except InvalidInput as error:
        return response.json({"error": error.payload()}, status=400)
    if not may_post(channel.keys, sender_id, owner=owner_from_metadata(metadata, channel.secret)):
        message = "This conversation belongs to someone else, or needs their sign-in."
        return rest_error(403, feedback.NOT_HELD, message)
    client = channel.client_key(request)
    wait = channel.limits.admit(client=client, conversation=sender_id)
    if wait:
        return slow_down(sender_id, wait)
    output = CollectingOutputChannel()
    metadata = with_client(metadata, client)
    await answer(channel, on_new_message, text, output, sender_id, metadata)
    return response.json(output.messages)


def _parse(channel: WebChannel, request: Request) -> tuple[str, str, dict[str, object]]:
    """(sender, message, metadata) of a well-formed body; InvalidInput otherwise."""
    payload = checks.require_object(checks.json_body(request.body))
    sender_id = payload.get("sender")
    if not checks.is_valid_session_id(sender_id):
        raise InvalidInput(checks.BAD_REQUEST, "'sender' must match [A-Za-z0-9_-]{8,64}.")
    text = checks.require_text(payload, key="message", max_length=channel.max_message_length)
    metadata = checks.parse_metadata(payload, max_bytes=channel.max_metadata_bytes)
    return str(sender_id), text, metadata


def rest_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


def slow_down(sender_id: str, wait: float) -> HTTPResponse:
    """429 with the polite reply in the shape of a bot message, so a client shows it."""
    return response.json(
        [{"recipient_id": sender_id, "text": SLOW_DOWN}],
        status=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
