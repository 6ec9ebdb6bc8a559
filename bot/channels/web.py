"""The web chat channel: Rasa's socket.io protocol, made reliable, plus REST and the chat box.

Load it from ``credentials.yml`` as ``bot.channels.web.WebChatInput:``. Existing socket.io
clients (rasa-webchat, RasaHQ's chat widget) keep working; what changes:

- session persistence works (python-socketio >= 5.10 made ``enter_room`` a coroutine that
  Rasa 3.6 never awaits, so no bot message reached a persistent session);
- metadata sent with ``session_request`` (the signed ``customer_token``) is merged under
  every message's metadata, so actions see the customer on every turn (rasa#11087);
- bad input gets an ``error`` event instead of reaching Rasa, and a turn that fails or
  stays silent gets a polite apology instead of nothing.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import AsyncServer

from bot.channels import validation as checks
from bot.channels.handoff import HandoffRelay, attach_relay
from bot.channels.output import WebChatOutput, sent_count
from bot.channels.static import static_file
from bot.channels.validation import InvalidInput

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

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

ERROR_EVT = "error"
MAX_BODY_BYTES = 64 * 1024  # REST bodies and socket.io packets
APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
ASK_FOR_WORDS = (
    "I can only understand words. Could you describe what you need in a few words? "
    "For example: \u201cWhere is my order?\u201d"
)


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
    ) -> None:
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
        self.relay: HandoffRelay | None = None

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
        assert self.sio is not None
        result = await self.sio.handle_request(request)
        if self.cors_allowed_origins is not None:
            # engine.io has checked the origin and set the CORS headers; Sanic-Cors (Rasa's
            # `--cors`) would add a second Access-Control-Allow-Origin, which browsers reject.
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
        return result

    async def close_sockets(self, *_: Any) -> None:
        """On shutdown, tell every client to reconnect now rather than after a ping timeout."""
        sio, self.sio = self.sio, None
        if sio is None:
            return
        for socket in list(sio.eio.sockets.values()):
            await socket.close(wait=False)  # wait=True would hang on an idle polling client
        await sio.shutdown()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        origins = self.cors_allowed_origins
        if origins and self.human_handoff:  # the agent console is served by this server
            origins = checks.listed_or_same_origin(origins)  # type: ignore[assignment]
        self.sio = AsyncServer(
            async_mode="sanic",
            # [] turns engine.io's CORS handling off, which is Rasa's choice.
            cors_allowed_origins=origins or [],
            max_http_buffer_size=MAX_BODY_BYTES,
        )
        bp = _SocketBlueprint(self, "web_webhook", __name__)
        self._add_socket_handlers(self.sio, on_new_message)
        self._add_http_routes(bp, on_new_message)
        return bp

    def _add_socket_handlers(self, sio: AsyncServer, on_new_message: OnNewMessage) -> None:
        async def session_request(sid: str, data: Any = None) -> None:
            await self._on_session_request(sio, sid, data)

        async def user_uttered(sid: str, data: Any = None) -> None:
            await self._on_user_uttered(sio, sid, data, on_new_message)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_uttered, namespace=self.namespace)

    async def _on_session_request(self, sio: AsyncServer, sid: str, data: Any) -> None:
        try:
            payload = checks.require_object({} if data is None else data)
            metadata = checks.parse_metadata(payload, max_bytes=self.max_metadata_bytes)
        except InvalidInput as error:
            await sio.emit(ERROR_EVT, error.payload(), to=sid, namespace=self.namespace)
            return
        session_id = checks.session_id_or_new(payload.get("session_id"))
        async with sio.session(sid, namespace=self.namespace) as session:
            previous = session.get("session_id")
            session.update(session_id=session_id, metadata=metadata)
        if self.session_persistence:
            if previous and previous != session_id:
                await _settle(sio.leave_room(sid, previous, namespace=self.namespace))
            await _settle(sio.enter_room(sid, session_id, namespace=self.namespace))
        await sio.emit("session_confirm", session_id, to=sid, namespace=self.namespace)

    async def _on_user_uttered(
        self, sio: AsyncServer, sid: str, data: Any, on_new_message: OnNewMessage
    ) -> None:
        try:
            payload = checks.require_object(data)
            session = await sio.get_session(sid, namespace=self.namespace)
            sender_id = self._sender_id(sid, payload, session)
            text = checks.require_text(payload, key="message", max_length=self.max_message_length)
            metadata = checks.parse_metadata(payload, max_bytes=self.max_metadata_bytes)
        except InvalidInput as error:
            await sio.emit(ERROR_EVT, error.payload(), to=sid, namespace=self.namespace)
            return
        output = WebChatOutput(sio, self.bot_message_evt, self.namespace)
        merged = {**session.get("metadata", {}), **metadata}
        await self._answer(on_new_message, text, output, sender_id, merged)

    def _sender_id(self, sid: str, payload: dict[str, Any], session: dict[str, Any]) -> str:
        """With persistence the conversation is the confirmed session; nobody else's."""
        if not self.session_persistence:
            return sid
        confirmed = session.get("session_id")
        if confirmed is None:
            raise InvalidInput(checks.BAD_SESSION, "Send session_request before messages.")
        if payload.get("session_id") != confirmed:
            raise InvalidInput(checks.BAD_SESSION, "session_id is not this connection's session.")
        return str(confirmed)

    async def _answer(
        self,
        on_new_message: OnNewMessage,
        text: str,
        output: OutputChannel,
        sender_id: str,
        metadata: dict[str, Any],
    ) -> None:
        """One turn with the reply guard: a failed or silent turn gets an apology."""
        if not checks.has_words(text):
            await output.send_text_message(sender_id, ASK_FOR_WORDS)
            return
        message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
        if self.relay is not None and await self.relay.intercept(message):
            return  # a person owns the conversation: the message went to them
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("The turn for conversation %s failed.", sender_id)
            failed = True
        else:
            failed = sent_count(output) == 0
            if failed:
                logger.warning("No bot reply for conversation %s; apologising.", sender_id)
        if self.relay is not None:
            await self.relay.after_turn(sender_id)
        if failed and self.expects_bot_reply(sender_id):
            await output.send_text_message(sender_id, APOLOGY)

    def _add_http_routes(self, bp: Blueprint, on_new_message: OnNewMessage) -> None:
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            return await self._on_rest_message(request, on_new_message)

        async def chat_js(request: Request) -> HTTPResponse:
            return static_file(request, "chat.js")

        async def chat_css(request: Request) -> HTTPResponse:
            return static_file(request, "chat.css")

        bp.add_route(health, "/", methods=["GET"])
        bp.add_route(webhook, "/webhook", methods=["POST"])
        bp.add_route(chat_js, "/chat.js", methods=["GET"])
        bp.add_route(chat_css, "/chat.css", methods=["GET"])

    async def _on_rest_message(
        self, request: Request, on_new_message: OnNewMessage
    ) -> HTTPResponse:
        if len(request.body or b"") > MAX_BODY_BYTES:
            message = f"The body exceeds {MAX_BODY_BYTES} bytes."
            return _rest_error(413, "payload_too_large", message)
        try:
            payload = checks.require_object(checks.json_body(request.body))
            sender_id = payload.get("sender")
            if not checks.is_valid_session_id(sender_id):
                raise InvalidInput(checks.BAD_REQUEST, "'sender' must match [A-Za-z0-9_-]{8,64}.")
            text = checks.require_text(payload, key="message", max_length=self.max_message_length)
            metadata = checks.parse_metadata(payload, max_bytes=self.max_metadata_bytes)
        except InvalidInput as error:
            return response.json({"error": error.payload()}, status=400)
        output = CollectingOutputChannel()
        await self._answer(on_new_message, text, output, str(sender_id), metadata)
        return response.json(output.messages)


async def _settle(result: object) -> None:
    """`enter_room`/`leave_room` return a coroutine since python-socketio 5.10; Rasa drops it."""
    if inspect.isawaitable(result):
        await result


def _rest_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)
