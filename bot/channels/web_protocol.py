"""What the parts of the web channel (its socket.io events, HTTP routes, turns and server)
read of the channel: `bot.channels.web.WebChatInput` is the one implementation. The parts
depend on this, not on the channel's module, which imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sanic.request import Request
from socketio import AsyncServer

from bot.channels.handoff import Conversations, HandoffRelay
from bot.channels.ratelimit import ChatLimits
from bot.channels.session_ids import SessionKeys


class WebChannel(Protocol):
    """The channel's configuration and collaborators; see bot/channels/web.py for each."""

    @property
    def namespace(self) -> str | None: ...

    @property
    def user_message_evt(self) -> str: ...

    @property
    def bot_message_evt(self) -> str: ...

    @property
    def session_persistence(self) -> bool: ...

    @property
    def max_message_length(self) -> int: ...

    @property
    def max_metadata_bytes(self) -> int: ...

    @property
    def cors_allowed_origins(self) -> list[str] | None: ...

    @property
    def human_handoff(self) -> bool: ...

    @property
    def socketio_redis_url(self) -> str | None: ...

    @property
    def socketio_redis_channel(self) -> str: ...

    @property
    def sio(self) -> AsyncServer | None: ...

    @property
    def relay(self) -> HandoffRelay | None: ...

    @property
    def conversations(self) -> Conversations | None: ...

    @property
    def new_uow(self) -> Callable[[], Any] | None: ...

    @property
    def secret(self) -> str: ...

    @property
    def keys(self) -> SessionKeys: ...

    @property
    def limits(self) -> ChatLimits: ...

    @property
    def privacy_notice_url(self) -> str: ...

    def name(self) -> str:
        """The input channel's name, as Rasa records it on each message."""
        ...

    def client_key(self, request: Request) -> str: ...

    def expects_bot_reply(self, sender_id: str) -> bool: ...
