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
  (``nps_saved``).
"""

from __future__ import annotations

import inspect
import logging
import math
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

from bot.channels import feedback, multipart, widget_events
from bot.channels import validation as checks
from bot.channels.clients import ClientKeys, with_client
from bot.channels.handoff import Conversations, HandoffRelay, RasaConversations, attach_relay
from bot.channels.output import WebChatOutput, sent_count
from bot.channels.payloads import guarded, screen
from bot.channels.ratelimit import ChatLimits
from bot.channels.session_ids import SessionKeys, may_post, owner_from_metadata, resolve_session
from bot.channels.static import static_file
from bot.channels.validation import InvalidInput
from bot.client_address import parse_trusted, request_client_address

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
# Several Rasa replicas behind a proxy: a Redis URL (redis://host:port/db) makes socket.io
# emits reach the sockets every replica holds (socketio.AsyncRedisManager), so a customer on
# one replica and an agent on another reach each other. Default empty: in-process manager.
SOCKETIO_REDIS_URL = "socketio_redis_url"
# The Redis pub/sub channel (channels span Redis databases), default "socketio".
SOCKETIO_REDIS_CHANNEL = "socketio_redis_channel"
REDIS_SCHEMES = ("redis", "rediss", "redis+sentinel", "unix")

ERROR_EVT = "error"
HISTORY_EVT = "chat_history"
STATE_EVT = "chat_state"
TYPING_EVT = "typing"
RATING_EVT = "rating"
RATING_SAVED_EVT = "rating_saved"
NPS_EVT = "nps"  # {score 0-10, comment}: the answer to the question rating_saved {nps} asked
NPS_SAVED_EVT = "nps_saved"
MAX_BODY_BYTES = 64 * 1024  # REST bodies and socket.io packets
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
    ) -> None:
        """`token_secret` checks customer tokens and signs session ids (default: from the
        settings); `conversations` reads histories (default: the Rasa agent's trackers);
        `new_uow` stores ratings (default: the customer store); `trusted_proxies`, `limits`
        and `max_request_bytes` default to CIM_TRUSTED_PROXIES, CIM_CHAT_* and
        CIM_MAX_REQUEST_BYTES."""
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
        assert self.sio is not None
        refused = _refused_polling_post(request)
        if refused is not None:
            return refused
        try:
            result = await self.sio.handle_request(request)
        except KeyError:  # engine.io 4.15: a POST to a session the client closed
            return response.text("Bad Request: the session is disconnected", status=400)
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
        self._check_settings()
        # Whatever reaches Rasa from here passes the payload allow-list, clauses included.
        on_new_message = guarded(on_new_message, NOT_A_COMMAND)
        origins = self.cors_allowed_origins
        if origins and self.human_handoff:  # the agent console is served by this server
            origins = checks.listed_or_same_origin(origins)  # type: ignore[assignment]
        self.sio = AsyncServer(
            async_mode="sanic",
            # [] turns engine.io's CORS handling off, which is Rasa's choice.
            cors_allowed_origins=origins or [],
            max_http_buffer_size=MAX_BODY_BYTES,
            **self._client_manager(),
        )
        bp = _SocketBlueprint(self, "web_webhook", __name__)
        self._add_socket_handlers(self.sio, on_new_message)
        self._add_http_routes(bp, on_new_message)
        return bp

    def _client_manager(self) -> dict[str, Any]:
        """Nothing (the in-process manager) unless `socketio_redis_url` is set."""
        if not self.socketio_redis_url:
            return {}
        from urllib.parse import urlsplit

        from socketio import AsyncRedisManager

        scheme = urlsplit(self.socketio_redis_url).scheme
        if scheme not in REDIS_SCHEMES:
            raise ValueError(
                f"{SOCKETIO_REDIS_URL} must be a redis:// (or rediss://, unix://) URL, "
                f"not {scheme or 'no'} scheme"
            )

        return {
            "client_manager": AsyncRedisManager(
                self.socketio_redis_url, channel=self.socketio_redis_channel
            )
        }

    def _add_socket_handlers(self, sio: AsyncServer, on_new_message: OnNewMessage) -> None:
        """Each event takes one payload; extra arguments a client sends are ignored (without
        room for them python-socketio fails the handler, and an ack never comes)."""

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            await self._on_connect(sio, sid, environ)

        async def session_request(sid: str, data: Any = None, *_: Any) -> None:
            await self._on_session_request(sio, sid, data)

        async def user_uttered(sid: str, data: Any = None, *_: Any) -> None:
            await self._on_user_uttered(sio, sid, data, on_new_message)

        async def rating(sid: str, data: Any = None, *_: Any) -> None:
            await self._on_rating(sio, sid, data)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_uttered, namespace=self.namespace)
        sio.on(RATING_EVT, rating, namespace=self.namespace)

        async def nps(sid: str, data: Any = None, *_: Any) -> None:
            await self._on_nps(sio, sid, data)

        sio.on(NPS_EVT, nps, namespace=self.namespace)

    async def _on_connect(self, sio: AsyncServer, sid: str, environ: dict[str, Any]) -> None:
        """The client is known by the request that opened the socket (engine.io keeps it in
        the environ); its key goes into every message of this socket."""
        request = environ.get("sanic.request")
        client = self.client_key(request) if request is not None else "unknown"
        await sio.save_session(sid, {"client": client}, namespace=self.namespace)

    async def _on_session_request(self, sio: AsyncServer, sid: str, data: Any) -> None:
        try:
            payload = checks.require_object({} if data is None else data)
            metadata = checks.parse_metadata(payload, max_bytes=self.max_metadata_bytes)
        except InvalidInput as error:
            await sio.emit(ERROR_EVT, error.payload(), to=sid, namespace=self.namespace)
            return
        requested = payload.get("session_id")
        owner = owner_from_metadata(metadata, self.secret)
        resolved = resolve_session(
            self.keys, requested, owner=owner, legacy_ok=checks.is_valid_session_id(requested)
        )
        session_id = resolved.session_id
        async with sio.session(sid, namespace=self.namespace) as session:
            previous = session.get("session_id")
            session.update(
                session_id=session_id, metadata=metadata, held=resolved.held, owner=owner
            )
        if self.session_persistence:
            if previous and previous != session_id:
                await _settle(sio.leave_room(sid, previous, namespace=self.namespace))
            await _settle(sio.enter_room(sid, session_id, namespace=self.namespace))
        await sio.emit("session_confirm", session_id, to=sid, namespace=self.namespace)
        if payload.get("history") is True:
            history = await self.history_payload(session_id, held=resolved.held)
            history["max_message_length"] = self.max_message_length  # the widget's paste limit
            await sio.emit(HISTORY_EVT, history, to=sid, namespace=self.namespace)

    async def history_payload(self, session_id: str, *, held: bool) -> dict[str, Any]:
        return await widget_events.history_payload(
            self.conversations, self.relay, session_id, held=held
        )

    async def handoff_state(self, conversation_id: str) -> dict[str, Any] | None:
        return await widget_events.handoff_state(self.relay, conversation_id)

    async def _on_rating(self, sio: AsyncServer, sid: str, data: Any) -> None:
        async def handle(payload: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
            return await feedback.rate(
                self.conversations,
                self.new_uow,
                conversation_id=self._sender_id(sid, payload, session),
                payload=payload,
                session=session,
            )

        await self._widget_event(sio, sid, data, handle, RATING_SAVED_EVT, feedback.RATING_FAILED)

    async def _on_nps(self, sio: AsyncServer, sid: str, data: Any) -> None:
        async def handle(payload: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
            return await feedback.answer_nps(
                self.new_uow,
                conversation_id=self._sender_id(sid, payload, session),
                payload=payload,
                session=session,
            )

        await self._widget_event(sio, sid, data, handle, NPS_SAVED_EVT, feedback.NPS_FAILED)

    async def _widget_event(
        self,
        sio: AsyncServer,
        sid: str,
        data: Any,
        handle: Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any]]],
        answer: str,
        failed: InvalidInput,
    ) -> None:
        """One of the widget's requests: `handle`'s reply as `answer`, or an ``error``."""
        try:
            payload = checks.require_object(data)
            session = await sio.get_session(sid, namespace=self.namespace)
            reply = await handle(payload, session)
        except InvalidInput as error:
            await sio.emit(ERROR_EVT, error.payload(), to=sid, namespace=self.namespace)
            return
        except Exception:
            logger.exception("The widget's %s failed.", answer)
            await sio.emit(ERROR_EVT, failed.payload(), to=sid, namespace=self.namespace)
            return
        await sio.emit(answer, reply, to=sid, namespace=self.namespace)

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
        client = str(session.get("client") or "unknown")
        if self.limits.admit(client=client, conversation=sender_id):
            slow_down = {"text": SLOW_DOWN}  # to this socket only: the others did nothing
            await sio.emit(self.bot_message_evt, slow_down, to=sid, namespace=self.namespace)
            return
        output = WebChatOutput(sio, self.bot_message_evt, self.namespace)
        merged = with_client({**session.get("metadata", {}), **metadata}, client)
        await self._answer(on_new_message, text, output, sender_id, merged)
        if self.relay is not None and session.get("held"):
            state = await self.handoff_state(sender_id)
            if state is not None:
                await sio.emit(STATE_EVT, state, room=sender_id, namespace=self.namespace)

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
        screened = screen(text)
        if not screened.allowed:
            logger.info("Refused a typed command in conversation %s.", sender_id)
            await output.send_text_message(sender_id, NOT_A_COMMAND)
            return
        if not checks.has_words(text):
            await output.send_text_message(sender_id, ASK_FOR_WORDS)
            return
        message = UserMessage(
            screened.text, output, sender_id, input_channel=self.name(), metadata=metadata
        )
        if self.relay is not None and await self.relay.intercept(message):
            return  # a person owns the conversation: the message went to them
        try:
            await self._typing(output, sender_id, True)
            await multipart.answer(on_new_message, message)  # each question in turn
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
        await self._typing(output, sender_id, False)

    async def _typing(self, output: OutputChannel, sender_id: str, typing: bool) -> None:
        """Every tab of the conversation shows the indicator while the bot works."""
        if isinstance(output, WebChatOutput):
            await output.sio.emit(
                TYPING_EVT, {"typing": typing}, room=sender_id, namespace=self.namespace
            )

    def _add_http_routes(self, bp: Blueprint, on_new_message: OnNewMessage) -> None:
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            return await self._on_rest_message(request, on_new_message)

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
        if not may_post(self.keys, sender_id, owner=owner_from_metadata(metadata, self.secret)):
            message = "This conversation belongs to someone else, or needs their sign-in."
            return _rest_error(403, feedback.NOT_HELD, message)
        client = self.client_key(request)
        wait = self.limits.admit(client=client, conversation=str(sender_id))
        if wait:
            return _slow_down(str(sender_id), wait)
        output = CollectingOutputChannel()
        metadata = with_client(metadata, client)
        await self._answer(on_new_message, text, output, str(sender_id), metadata)
        return response.json(output.messages)


async def _settle(result: object) -> None:
    """`enter_room`/`leave_room` return a coroutine since python-socketio 5.10; Rasa drops it."""
    if inspect.isawaitable(result):
        await result


def _refused_polling_post(request: Request) -> HTTPResponse | None:
    """What engine.io would answer by closing the session and holding the POST until a poll
    took the CLOSE packet (the client hangs): a body over the packet limit, or a packet type
    a client does not send. Answered here, at once; the session stays."""
    if request.method != "POST" or request.args.get("j") is not None:  # JSONP: form-encoded
        return None
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        return response.text("Payload Too Large", status=413)
    if not checks.polling_packets_ok(body):
        return response.text("Bad Request: not a client packet", status=400)
    return None


def _rest_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


def _slow_down(sender_id: str, wait: float) -> HTTPResponse:
    """429 with the polite reply in the shape of a bot message, so a client shows it."""
    return response.json(
        [{"recipient_id": sender_id, "text": SLOW_DOWN}],
        status=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
