"""One customer turn on the web channel, whichever transport (socket.io or REST) brought it.

The same guards stand in front of Rasa on both: a typed command that is not one of our
buttons' payloads (bot/channels/payloads.py), or a text without a word, is answered politely
and never reaches Rasa; while a person owns the conversation the message goes to them
(bot/channels/handoff.py); a turn that fails or stays silent gets an apology instead of
nothing; every tab of the conversation shows the typing indicator while the bot works.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels import multipart
from bot.channels import validation as checks
from bot.channels.output import WebChatOutput, sent_count
from bot.channels.payloads import screen

if TYPE_CHECKING:
    from bot.channels.web_protocol import WebChannel

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

TYPING_EVT = "typing"
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
ASK_FOR_WORDS = (
    "I can only understand words. Could you describe what you need in a few words? "
    "For example: \u201cWhere is my order?\u201d"
)
NOT_A_COMMAND = (
    "I can't follow commands typed like that. Could you tell me in a few words what you "
    "need? For example: \u201cWhere is my order?\u201d"
)
SLOW_DOWN = (
    "You're sending messages faster than I can read them. Please wait a moment, then send "
    "your message again."
)


async def answer(
    channel: WebChannel,
    on_new_message: OnNewMessage,
    text: str,
    output: OutputChannel,
    sender_id: str,
    metadata: dict[str, Any],
) -> None:
    """One turn with the reply guard: a failed or silent turn gets an apology."""
    screened = screen(text)
    if not screened.allowed:
        logger.info("Refused a typed command in conversation %s.", sender_id)
        await output.send_text_message(sender_id, NOT_A_COMMAND)
        return
    if not checks.has_words(text):
        await output.send_text_message(sender_id, ASK_FOR_WORDS)
        return
    message = UserMessage(
        screened.text, output, sender_id, input_channel=channel.name(), metadata=metadata
    )
    if channel.relay is not None and await channel.relay.intercept(message):
        return  # a person owns the conversation: the message went to them
    failed = await _bot_turn(channel, on_new_message, message)
    if channel.relay is not None:
        await channel.relay.after_turn(sender_id)
    if failed and channel.expects_bot_reply(sender_id):
        await output.send_text_message(sender_id, APOLOGY)
    await _typing(channel, output, sender_id, False)


async def _bot_turn(
    channel: WebChannel, on_new_message: OnNewMessage, message: UserMessage
) -> bool:
    """Rasa answers each question of the message in turn; True when it failed or said nothing."""
    sender_id, output = message.sender_id, message.output_channel
    try:
        await _typing(channel, output, sender_id, True)
        await multipart.answer(on_new_message, message)
    except Exception:
        logger.exception("The turn for conversation %s failed.", sender_id)
        return True
    if sent_count(output) == 0:
        logger.warning("No bot reply for conversation %s; apologising.", sender_id)
        return True
    return False


async def _typing(channel: WebChannel, output: OutputChannel, sender_id: str, typing: bool) -> None:
    """Every tab of the conversation shows the indicator while the bot works."""
    if isinstance(output, WebChatOutput):
        await output.sio.emit(
            TYPING_EVT, {"typing": typing}, room=sender_id, namespace=channel.namespace
        )
