"""What the web channel sends: Rasa's socket.io payloads, counted for the reply guard."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from rasa.core.channels.socketio import SocketIOOutput
from socketio import AsyncServer


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, namespace-aware, counting what it sends for the reply guard.

    Bot messages go to the room named by the conversation id, so every socket that
    confirmed that session (another tab, a reloaded page) receives them.
    """

    @classmethod
    def name(cls) -> str:
        return "web"

    def __init__(self, sio: AsyncServer, bot_message_evt: str, namespace: str | None) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await self.sio.emit(
            self.bot_message_evt, response, room=socket_id, namespace=self.namespace
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Rasa emits ``{"data": X}`` as X; anything else it would crash on goes as ``custom``.

        Unlike Rasa, a ``room`` key cannot redirect the message to another conversation.
        """
        if set(json_message) == {"data"}:
            await self._send_message(recipient_id, json_message["data"])
        else:
            await self._send_message(recipient_id, {"custom": json_message})


def sent_count(output: OutputChannel) -> int:
    """How many bot messages a turn produced so far; unknown outputs count as answered."""
    if isinstance(output, CollectingOutputChannel):
        return len(output.messages)
    return output.sent if isinstance(output, WebChatOutput) else 1
