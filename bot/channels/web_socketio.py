"""The web channel's socket.io events: Rasa's protocol, made reliable, and our widget's.

Rasa's protocol (`session_request` -> `session_confirm`, `user_uttered` -> `bot_uttered`)
is what third-party clients speak; the widget adds `chat_history` and `chat_state`, and asks
`rating` and `nps` (answered `rating_saved` / `nps_saved`, or an `error`). Each handler
takes one payload; extra arguments a client sends are ignored (without room for them
python-socketio fails the handler, and an ack never comes). Bad input gets an `error`
event and never reaches Rasa.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from socketio import AsyncServer

from bot.channels import feedback, widget_events
from bot.channels import validation as checks
from bot.channels.clients import with_client
from bot.channels.output import WebChatOutput
from bot.channels.session_ids import owner_from_metadata, resolve_session
from bot.channels.validation import InvalidInput
from bot.channels.web_turns import SLOW_DOWN, OnNewMessage, answer

if TYPE_CHECKING:
    from bot.channels.web_protocol import WebChannel

logger = logging.getLogger(__name__)

ERROR_EVT = "error"
HISTORY_EVT = "chat_history"
STATE_EVT = "chat_state"
RATING_EVT = "rating"
RATING_SAVED_EVT = "rating_saved"
NPS_EVT = "nps"  # {score 0-10, comment}: the answer to the question rating_saved {nps} asked
NPS_SAVED_EVT = "nps_saved"

WidgetHandler = Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any]]]


class SocketEvents:
    """The handlers of one channel's socket.io server, on the channel's namespace."""

    def __init__(self, channel: WebChannel, sio: AsyncServer, on_new_message: OnNewMessage) -> None:
        self.channel, self.sio, self.on_new_message = channel, sio, on_new_message
        self.namespace = channel.namespace

    def install(self) -> None:
        for event, handler in (
            ("connect", self.connect),
            ("session_request", self.session_request),
            (self.channel.user_message_evt, self.user_uttered),
            (RATING_EVT, self.rating),
            (NPS_EVT, self.nps),
        ):
            self.sio.on(event, handler, namespace=self.namespace)

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """The client is known by the request that opened the socket (engine.io keeps it in
        the environ); its key goes into every message of this socket."""
        request = environ.get("sanic.request")
        client = self.channel.client_key(request) if request is not None else "unknown"
        await self.sio.save_session(sid, {"client": client}, namespace=self.namespace)

    async def session_request(self, sid: str, data: Any = None, *_: Any) -> None:
        try:
            payload = checks.require_object({} if data is None else data)
            metadata = checks.parse_metadata(payload, max_bytes=self.channel.max_metadata_bytes)
        except InvalidInput as error:
            await self._error(sid, error)
            return
        session_id, held = await self._confirm(sid, payload.get("session_id"), metadata)
        if payload.get("history") is True:
            history = await widget_events.history_payload(
                self.channel.conversations, self.channel.relay, session_id, held=held
            )
            history["max_message_length"] = self.channel.max_message_length  # paste limit
            if self.channel.privacy_notice_url:  # the disclosure's link (issue 17)
                history["privacy_notice_url"] = self.channel.privacy_notice_url
            await self.sio.emit(HISTORY_EVT, history, to=sid, namespace=self.namespace)

    async def _confirm(
        self, sid: str, requested: Any, metadata: dict[str, Any]
    ) -> tuple[str, bool]:
        """The session this socket may hold (its own signed id, or a new one), confirmed to
        it and joined as a room; returns (session id, held)."""
        owner = owner_from_metadata(metadata, self.channel.secret)
        resolved = resolve_session(
            self.channel.keys,
            requested,
            owner=owner,
            legacy_ok=checks.is_valid_session_id(requested),
        )
        session_id = resolved.session_id
        async with self.sio.session(sid, namespace=self.namespace) as session:
            previous = session.get("session_id")
            session.update(
                session_id=session_id, metadata=metadata, held=resolved.held, owner=owner
            )
        if self.channel.session_persistence:
            if previous and previous != session_id:
                await _settle(self.sio.leave_room(sid, previous, namespace=self.namespace))
            await _settle(self.sio.enter_room(sid, session_id, namespace=self.namespace))
        await self.sio.emit("session_confirm", session_id, to=sid, namespace=self.namespace)
        return session_id, resolved.held

    async def user_uttered(self, sid: str, data: Any = None, *_: Any) -> None:
        channel = self.channel
        try:
            payload = checks.require_object(data)
            session = await self.sio.get_session(sid, namespace=self.namespace)
            sender_id = self.sender_id(sid, payload, session)
            text = checks.require_text(
                payload, key="message", max_length=channel.max_message_length
            )
            metadata = checks.parse_metadata(payload, max_bytes=channel.max_metadata_bytes)
        except InvalidInput as error:
            await self._error(sid, error)
            return
        client = str(session.get("client") or "unknown")
        if channel.limits.admit(client=client, conversation=sender_id):
            slow_down = {"text": SLOW_DOWN}  # to this socket only: the others did nothing
            await self.sio.emit(
                channel.bot_message_evt, slow_down, to=sid, namespace=self.namespace
            )
            return
        output = WebChatOutput(self.sio, channel.bot_message_evt, self.namespace)
        merged = with_client({**session.get("metadata", {}), **metadata}, client)
        await answer(channel, self.on_new_message, text, output, sender_id, merged)
        if channel.relay is not None and session.get("held"):
            await self._tell_state(sender_id)

    async def _tell_state(self, conversation_id: str) -> None:
        """The conversation's handoff state, to every tab of it, after a turn."""
        state = await widget_events.handoff_state(self.channel.relay, conversation_id)
        if state is not None:
            await self.sio.emit(STATE_EVT, state, room=conversation_id, namespace=self.namespace)

    def sender_id(self, sid: str, payload: dict[str, Any], session: dict[str, Any]) -> str:
        """With persistence the conversation is the confirmed session; nobody else's."""
        if not self.channel.session_persistence:
            return sid
        confirmed = session.get("session_id")
        if confirmed is None:
            raise InvalidInput(checks.BAD_SESSION, "Send session_request before messages.")
        if payload.get("session_id") != confirmed:
            raise InvalidInput(checks.BAD_SESSION, "session_id is not this connection's session.")
        return str(confirmed)

    async def rating(self, sid: str, data: Any = None, *_: Any) -> None:
        async def handle(payload: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
            return await feedback.rate(
                self.channel.conversations,
                self.channel.new_uow,
                conversation_id=self.sender_id(sid, payload, session),
                payload=payload,
                session=session,
            )

        await self._widget_event(sid, data, handle, RATING_SAVED_EVT, feedback.RATING_FAILED)

    async def nps(self, sid: str, data: Any = None, *_: Any) -> None:
        async def handle(payload: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
            return await feedback.answer_nps(
                self.channel.new_uow,
                conversation_id=self.sender_id(sid, payload, session),
                payload=payload,
                session=session,
            )

        await self._widget_event(sid, data, handle, NPS_SAVED_EVT, feedback.NPS_FAILED)

    async def _widget_event(
        self, sid: str, data: Any, handle: WidgetHandler, answer: str, failed: InvalidInput
    ) -> None:
        """One of the widget's requests: `handle`'s reply as `answer`, or an ``error``."""
        try:
            payload = checks.require_object(data)
            session = await self.sio.get_session(sid, namespace=self.namespace)
            reply = await handle(payload, session)
        except InvalidInput as error:
            await self._error(sid, error)
            return
        except Exception:
            logger.exception("The widget's %s failed.", answer)
            await self._error(sid, failed)
            return
        await self.sio.emit(answer, reply, to=sid, namespace=self.namespace)

    async def _error(self, sid: str, error: InvalidInput) -> None:
        await self.sio.emit(ERROR_EVT, error.payload(), to=sid, namespace=self.namespace)


async def _settle(result: object) -> None:
    """`enter_room`/`leave_room` return a coroutine since python-socketio 5.10; Rasa drops it."""
    if inspect.isawaitable(result):
        await result
