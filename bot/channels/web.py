"""The web chat channel: Rasa's socket.io protocol, made reliable, plus REST and the chat box.

Load it from ``credentials.yml`` as ``bot.channels.web.WebChatInput:``. Existing socket.io
clients (rasa-webchat, RasaHQ's chat widget) keep working; what changes:

- session persistence works (python-socketio >= 5.10 made ``enter_room`` a coroutine that
  Rasa 3.6 never awaits, so no bot message reached a persistent session);
- metadata sent with ``session_request`` (the signed ``customer_token``) is merged under
  every message's metadata, so actions see the customer on every turn (rasa#11087);
- bad input gets an ``error`` event instead of reaching Rasa, and a turn that fails or
  stays silent gets a polite apology instead of nothing;
- a text starting with "/" reaches Rasa only if it is one of our buttons' payloads
  (bot/channels/payloads.py): `/restart`, `/session_start` or a slot-filling
  `/inform{...}` typed by a customer is answered with a polite refusal;
- every message carries the client's key under ``cim_client`` in its metadata
  (bot/channels/clients.py), for the action server's per-client counts;
- messages over the per-client or per-conversation rate (bot/channels/ratelimit.py) are
  answered at once with a polite "slow down", without Rasa (REST: status 429);
- REST posts into one of our signed session ids only with its owner's token (403 otherwise,
  bot/channels/session_ids.py), and the Rasa process reads no body larger than
  CIM_MAX_REQUEST_BYTES (Sanic's REQUEST_MAX_SIZE, set when the channel is registered).

Our widget (widget/, served here as ``widget.js``) adds events that other clients ignore:

- ``session_request`` may carry ``history: true``; the answer is ``session_confirm`` then
  ``chat_history`` {session_id, messages, state}. Session ids are signed for their owner
  (bot/channels/session_ids.py): only the holder of the id and the customer's token gets the
  history, and a customer never resumes another customer's conversation;
- ``typing`` {typing: bool} while the bot prepares an answer, ``chat_state`` {state} (the
  handoff: queued with position and wait, assigned, ticket) after a turn;
- ``rating`` {session_id, rating 1-5, comment} stores the end-of-chat rating, once, of a
  conversation in which the customer wrote and was answered (bot/services/ratings.py), and
  answers ``rating_saved`` (bot/channels/feedback.py); with ``nps: true`` in it when a
  signed-in customer is asked how likely they are to recommend the shop (bot/kpis/nps.py),
  which ``nps`` {session_id, score 0-10, comment} answers, once, in that conversation
  (``nps_saved``);
- ``chat_history`` carries ``privacy_notice_url`` (CIM_PRIVACY_NOTICE_URL) when the shop has
  one: the widget's disclosure links to it;
- a signed-in customer downloads or deletes their conversation over HTTP
  (``my-chat/transcript``, ``my-chat/delete``: bot/channels/my_chat.py).

The parts: this module is the channel (its keys, its blueprint); `web_socketio` the socket.io
events, `web_rest` the HTTP routes, `web_turns` one customer turn with its guards, and
`web_engineio` the socket.io server and its engine.io endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import my_chat, web_engineio, web_rest
from bot.channels import validation as checks
from bot.channels.clients import ClientKeys
from bot.channels.handoff import Conversations, HandoffRelay, RasaConversations, attach_relay
from bot.channels.output import WebChatOutput
from bot.channels.payloads import guarded
from bot.channels.ratelimit import ChatLimits
from bot.channels.session_ids import SessionKeys
from bot.channels.web_socketio import SocketEvents
from bot.channels.web_turns import NOT_A_COMMAND, OnNewMessage
from bot.client_address import parse_trusted, request_client_address

if TYPE_CHECKING:
    from bot.customer_data.locations import DataLocations

# Credentials keys (all optional):
USER_MESSAGE_EVT = "user_message_evt"  # event the client emits, default "user_uttered"
BOT_MESSAGE_EVT = "bot_message_evt"  # event the bot emits, default "bot_uttered"
NAMESPACE = "namespace"  # socket.io namespace, default None (the root namespace)
SESSION_PERSISTENCE = "session_persistence"  # conversation id = session id, default True
SOCKETIO_PATH = "socketio_path"  # default "/socket.io"
# Origins allowed to open a socket.io connection: a list or comma-separated string, "*" for
# any. Default None: like Rasa, no origin check, and polling relies on `rasa run --cors`.
CORS_ALLOWED_ORIGINS = "cors_allowed_origins"
MAX_MESSAGE_LENGTH = "max_message_length"  # characters, default 2000
MAX_METADATA_BYTES = "max_metadata_bytes"  # serialized metadata per payload, default 8192
# Relay live handoffs to agents (bot/channels/handoff.py) and serve the agents' namespace;
# needs the customer store (DATABASE_URL). Default False.
HUMAN_HANDOFF = "human_handoff"
# Several Rasa replicas behind a proxy: a Redis URL (redis://host:port/db) makes socket.io
# emits reach the sockets every replica holds (socketio.AsyncRedisManager), so a customer on
# one replica and an agent on another reach each other. Default empty: in-process manager.
SOCKETIO_REDIS_URL = "socketio_redis_url"
# The Redis pub/sub channel (channels span Redis databases), default "socketio".
SOCKETIO_REDIS_CHANNEL = "socketio_redis_channel"


class _SocketBlueprint(Blueprint):
    """Mounts the engine.io endpoint on the app, like Rasa's SocketBlueprint."""

    def __init__(self, channel: WebChatInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        channel: WebChatInput = self.ctx.channel
        path = "/" + channel.socketio_path.strip("/") + "/"
        app.add_route(channel.handle_engineio, path, methods=["GET", "POST", "OPTIONS"])
        app.enable_websocket()
        app.register_listener(channel.close_sockets, "before_server_stop")
        # Sanic reads it for each new connection: a larger body is refused with 413 before
        # it is buffered (Sanic's default is 100 MB, and our 64 KB check came after that).
        app.config.REQUEST_MAX_SIZE = channel.max_request_bytes
        if channel.conversations is None:
            channel.conversations = RasaConversations(app)
        if channel.human_handoff:
            channel.relay = attach_relay(app, channel)
        super().register(app, options)


class WebChatInput(InputChannel):
    """Socket.io + REST input for the shop's chat box; keys and defaults are listed above
    (credentials.yml shows a configuration)."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get(USER_MESSAGE_EVT, "user_uttered"),
            bot_message_evt=credentials.get(BOT_MESSAGE_EVT, "bot_uttered"),
            namespace=credentials.get(NAMESPACE),
            session_persistence=bool(credentials.get(SESSION_PERSISTENCE, True)),
            socketio_path=credentials.get(SOCKETIO_PATH, "/socket.io"),
            cors_allowed_origins=checks.parse_origins(credentials.get(CORS_ALLOWED_ORIGINS)),
            max_message_length=int(credentials.get(MAX_MESSAGE_LENGTH, 2000)),
            max_metadata_bytes=int(credentials.get(MAX_METADATA_BYTES, 8192)),
            human_handoff=bool(credentials.get(HUMAN_HANDOFF, False)),
            socketio_redis_url=str(credentials.get(SOCKETIO_REDIS_URL) or "").strip() or None,
            socketio_redis_channel=str(credentials.get(SOCKETIO_REDIS_CHANNEL) or "socketio"),
        )

    def __init__(
        self,
        *,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = True,
        socketio_path: str = "/socket.io",
        cors_allowed_origins: list[str] | None = None,
        max_message_length: int = 2000,
        max_metadata_bytes: int = 8192,
        human_handoff: bool = False,
        socketio_redis_url: str | None = None,
        socketio_redis_channel: str = "socketio",
        token_secret: str | None = None,
        conversations: Conversations | None = None,
        new_uow: Callable[[], Any] | None = None,
        trusted_proxies: str | None = None,
        limits: ChatLimits | None = None,
        max_request_bytes: int | None = None,
        data_locations: DataLocations | None = None,
        privacy_notice_url: str | None = None,
    ) -> None:
        """`token_secret` checks customer tokens and signs session ids (default: from the
        settings); `conversations` reads histories (default: the Rasa agent's trackers);
        `new_uow` stores ratings (default: the customer store); `trusted_proxies`, `limits`
        and `max_request_bytes` default to CIM_TRUSTED_PROXIES, CIM_CHAT_* and
        CIM_MAX_REQUEST_BYTES; `data_locations` (the customer's "download/delete my chat",
        bot/channels/my_chat.py) and `privacy_notice_url` default to the product's stores and
        CIM_PRIVACY_NOTICE_URL."""
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.cors_allowed_origins = cors_allowed_origins
        self.max_message_length = max_message_length
        self.max_metadata_bytes = max_metadata_bytes
        self.sio: AsyncServer | None = None
        self.human_handoff = human_handoff
        self.socketio_redis_url = socketio_redis_url
        self.socketio_redis_channel = socketio_redis_channel
        self.relay: HandoffRelay | None = None
        self.token_secret = token_secret
        self.conversations = conversations
        self.new_uow = new_uow
        self.trusted_proxies = trusted_proxies
        self._limits = limits
        self._max_request_bytes = max_request_bytes
        self._data_locations = data_locations
        self._privacy_notice_url = privacy_notice_url
        self._keys: SessionKeys | None = None
        self._clients: ClientKeys | None = None

    @property
    def secret(self) -> str:
        if self.token_secret is None:
            from bot.settings import get_settings

            self.token_secret = get_settings().token_secret
        return self.token_secret

    @property
    def keys(self) -> SessionKeys:
        if self._keys is None:
            self._keys = SessionKeys(self.secret)
        return self._keys

    @property
    def limits(self) -> ChatLimits:
        if self._limits is None:
            self._limits = ChatLimits.from_settings()
        return self._limits

    @property
    def max_request_bytes(self) -> int:
        if self._max_request_bytes is None:
            from bot.settings import get_settings

            self._max_request_bytes = get_settings().max_request_bytes
        return self._max_request_bytes

    @property
    def data_locations(self) -> DataLocations:
        """Where a customer's chat is read and erased (no connection is made here)."""
        if self._data_locations is not None:
            return self._data_locations
        from bot.channels.my_chat_records import product_locations

        return product_locations(self.conversations)

    @property
    def privacy_notice_url(self) -> str:
        """The shop's privacy notice the widget links to ("": none); an http(s) URL."""
        if self._privacy_notice_url is None:
            from bot.settings import get_settings

            self._privacy_notice_url = get_settings().privacy_notice_url
        return self._privacy_notice_url

    def _check_settings(self) -> None:
        """A bad CIM_TRUSTED_PROXIES or CIM_CHAT_* stops the server at start, not each turn."""
        if self.trusted_proxies is None:
            from bot.settings import get_settings

            self.trusted_proxies = get_settings().trusted_proxies
        parse_trusted(self.trusted_proxies)
        if self._limits is None:
            self._limits = ChatLimits.from_settings()

    def client_key(self, request: Request) -> str:
        """The opaque key of the client behind `request` (bot/channels/clients.py)."""
        if self._clients is None:
            self._clients = ClientKeys(self.secret)
        return self._clients.key_for(request_client_address(request, self.trusted_proxies))

    def expects_bot_reply(self, sender_id: str) -> bool:
        """Whether the reply guard may apologise for a failed or silent turn (errors are logged
        either way); False while a person owns the conversation, so the bot stays quiet.
        """
        return self.relay is None or not self.relay.is_silenced(sender_id)

    def get_output_channel(self) -> OutputChannel | None:
        """Lets Rasa's API (external events, reminders) reach the web conversation."""
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt, self.namespace)

    async def handle_engineio(self, request: Request) -> HTTPResponse:
        return await web_engineio.handle_engineio(self, request)

    async def close_sockets(self, *_: Any) -> None:
        """On shutdown, tell every client to reconnect now rather than after a ping timeout."""
        sio, self.sio = self.sio, None
        if sio is not None:
            await web_engineio.close(sio)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._check_settings()
        # Whatever reaches Rasa from here passes the payload allow-list, clauses included.
        on_new_message = guarded(on_new_message, NOT_A_COMMAND)
        self.sio = web_engineio.socket_server(self)
        bp = _SocketBlueprint(self, "web_webhook", __name__)
        SocketEvents(self, self.sio, on_new_message).install()
        web_rest.add_routes(bp, self, on_new_message)
        my_chat.add_routes(bp, self)
        return bp
