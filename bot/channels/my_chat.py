"""A signed-in customer's own chat: "Download my chat" and "Delete my chat" (issue 17).

Two routes under the web channel (``/webhooks/web/my-chat/...``), each a POST of
``{session_id, customer_token}``, so the token never lands in a URL (nor in access logs):

- ``transcript`` answers the conversation as the customer saw it, as a download
  (``format``: ``json``, the default, or ``text``);
- ``delete`` erases the conversation (bot/channels/my_chat_records.py) and answers what was
  removed where; the widget then starts a new session. A chat a store row links to another
  customer is refused by the erasure (409 ``not_linked``) and left whole.

Who may: the holder of a valid customer token, for a session id the channel issued to that
customer (bot/channels/session_ids.py, the rule history follows): 401 without a valid token,
403 for any other conversation (another customer's, an anonymous visitor's, a client's own
id). Requests are small (at most `MAX_BODY_BYTES`: 413 past it); the accepted ones are
rate-limited per client and per conversation (bot/channels/ratelimit.py; 429 with
Retry-After). CORS: only the chat's configured origins (`cors_allowed_origins`,
CIM_CORS_ORIGINS) get an Access-Control-Allow-Origin, whatever Rasa's ``--cors`` says; a
browser call from any other origin is refused (403), and the page's own origin needs none.

The staff's access trail (console_access_log) is not written: it records staff looking at
customers' data. A customer's own deletion is recorded by the erasure itself (its
`erasure_records` row, actor "customer"); a download is not recorded.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED

from bot.blocking import in_thread
from bot.channels import my_chat_records as records
from bot.channels import validation as checks
from bot.channels.ratelimit import ChatLimits, Rate
from bot.channels.session_ids import SessionKeys
from bot.channels.validation import InvalidInput
from bot.customer_tokens import verify_token

if TYPE_CHECKING:
    from bot.channels.handoff import Conversations
    from bot.customer_data.locations import DataLocations

logger = logging.getLogger(__name__)

PATH = "/my-chat"
MAX_BODY_BYTES = 4096  # a session id and a token; nothing else is read
# A person downloads or deletes a chat now and then; a script asking more waits.
CLIENT_RATE = Rate(burst=10, per_minute=20)
CONVERSATION_RATE = Rate(burst=3, per_minute=6)
PREFLIGHT_MAX_AGE = "600"
FORMATS = ("json", "text")

NOT_SIGNED_IN = "not_signed_in"
NOT_HELD = "session_not_held"
FOREIGN_ORIGIN = "foreign_origin"
UNKNOWN_CUSTOMER = "unknown_customer"
UNAVAILABLE = "unavailable"
NOT_LINKED = "not_linked"  # a store row names another customer for the chat (my_chat_records)

Handler = Callable[[Request, "Asked"], Awaitable[HTTPResponse]]


class MyChatHost(Protocol):
    """What the routes read of the web channel (bot/channels/web.py)."""

    @property
    def secret(self) -> str: ...

    @property
    def keys(self) -> SessionKeys: ...

    @property
    def cors_allowed_origins(self) -> list[str] | None: ...

    @property
    def conversations(self) -> Conversations | None: ...

    @property
    def data_locations(self) -> DataLocations: ...

    def client_key(self, request: Request) -> str: ...


@dataclass(frozen=True)
class Asked:
    """A request that passed every guard: the conversation, its owner, the options."""

    conversation_id: str
    owner: str  # the customer's public id, from the token
    options: dict[str, Any]


class Refused(Exception):
    """A request answered with an error: its status, stable code and message."""

    def __init__(self, status: int, code: str, message: str, wait: float = 0.0) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.wait = status, code, message, wait


def add_routes(bp: Blueprint, host: MyChatHost, *, limits: ChatLimits | None = None) -> None:
    routes = MyChatRoutes(host, limits or ChatLimits(CLIENT_RATE, CONVERSATION_RATE))
    methods = ["POST", "OPTIONS"]
    bp.add_route(routes.guarded(routes.transcript), f"{PATH}/transcript", methods=methods)
    bp.add_route(routes.guarded(routes.delete), f"{PATH}/delete", methods=methods)
    bp.listener("before_server_start")(routes.cors_rule)


class MyChatRoutes:
    def __init__(self, host: MyChatHost, limits: ChatLimits) -> None:
        self.host, self.limits = host, limits

    def guarded(self, handler: Handler) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
        """Origin and preflight, then `admit`'s guards, then `handler`; every answer with
        the origin's CORS headers and never cached."""

        async def route(request: Request) -> HTTPResponse:
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")  # our headers, not Sanic-Cors's
            cors = allowed_origin_headers(request, self.host.cors_allowed_origins)
            if cors is None:
                return _error(Refused(403, FOREIGN_ORIGIN, "Calls from this page are refused."))
            if request.method == "OPTIONS":
                return response.empty(status=204, headers={**cors, **preflight_headers(cors)})
            try:
                answer = await handler(request, self.admit(request))
            except Refused as refused:
                answer = _error(refused)
            answer.headers.update({**cors, "Cache-Control": "no-store"})
            return answer

        return route

    def admit(self, request: Request) -> Asked:
        """Size, shape, token and ownership, then the rate: as the REST webhook does, a
        refused request takes nothing from anyone's bucket (so nobody can use up a
        customer's by posting their session id without their token)."""
        session_id, payload = _parsed(request)
        claims = verify_token(payload.get("customer_token"), secret=self.host.secret)
        if claims is None:
            raise Refused(401, NOT_SIGNED_IN, "Sign in to the shop to see or delete your chat.")
        if not self.host.keys.verify(session_id, claims.subject):
            raise Refused(403, NOT_HELD, "This conversation is not yours.")
        wait = self.limits.admit(client=self.host.client_key(request), conversation=session_id)
        if wait:
            raise Refused(429, "too_many_requests", "Please try again shortly.", wait)
        return Asked(session_id, claims.subject, payload)

    async def transcript(self, _: Request, asked: Asked) -> HTTPResponse:
        fmt = asked.options.get("format", "json")
        if fmt not in FORMATS:
            raise Refused(400, checks.BAD_REQUEST, "'format' must be json or text.")
        record = await self._transcript(asked.conversation_id)
        name = f"chat-{record['exported_at'][:10]}.{'txt' if fmt == 'text' else 'json'}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "text":
            from bot.settings import get_settings

            text = records.as_text(record, shop=get_settings().shop_name)
            return response.text(text, headers=headers)
        return response.json(record, headers=headers)

    async def _transcript(self, conversation_id: str) -> dict[str, Any]:
        locations, conversations = self.host.data_locations, self.host.conversations
        try:
            record = await in_thread(records.stored_transcript, locations, conversation_id)
            if record is None:
                events, _ = (
                    await conversations.history(conversation_id) if conversations else ([], {})
                )
                record = records.transcript_of_events(conversation_id, events)
        except Exception:
            logger.exception("No transcript for a customer's download.")
            raise Refused(503, UNAVAILABLE, "Your chat cannot be read right now.") from None
        return record

    async def delete(self, _: Request, asked: Asked) -> HTTPResponse:
        locations = self.host.data_locations
        try:
            customer_id = await in_thread(records.customer_id_of, locations, asked.owner)
            if customer_id is None:
                raise Refused(404, UNKNOWN_CUSTOMER, "We hold no account for this sign-in.")
            async with records.conversation_lock(self.host.conversations, asked.conversation_id):
                removed = await in_thread(
                    records.erase,
                    locations,
                    conversation_id=asked.conversation_id,
                    customer_id=customer_id,
                )
        except Refused:
            raise
        except Exception:
            logger.exception("A customer's deletion of their chat failed.")
            raise Refused(503, UNAVAILABLE, "Your chat could not be deleted; sorry.") from None
        if removed is None:
            raise Refused(409, NOT_LINKED, "This chat is not linked to your account yet.")
        return response.json({"deleted": True, "removed": removed})

    async def cors_rule(self, app: Sanic, *_: Any) -> None:
        """Rasa's ``--cors`` (Sanic-Cors) answers preflights itself, with its own origins:
        these paths get a rule of their own, first, with the chat's origins."""
        context: Any = getattr(app.ctx, "sanic_cors", None)
        resources = getattr(context, "resources", None)
        if not isinstance(resources, list) or not resources:
            return
        options = {
            **resources[0][1],
            "origins": [".*" if o == "*" else o for o in self.host.cors_allowed_origins or []],
            "supports_credentials": False,
            "always_send": False,
            "send_wildcard": False,
            "methods": ["POST", "OPTIONS"],
            "allow_headers": ["Content-Type"],
            "max_age": PREFLIGHT_MAX_AGE,
        }
        resources.insert(0, (re.compile(r".*" + re.escape(PATH) + r"/[a-z]+$"), options))


def _parsed(request: Request) -> tuple[str, dict[str, Any]]:
    """The session id and the whole (small, JSON object) body."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise Refused(413, "payload_too_large", f"The body exceeds {MAX_BODY_BYTES} bytes.")
    try:
        payload = checks.require_object(checks.json_body(request.body))
    except InvalidInput as error:
        raise Refused(400, error.code, error.message) from None
    session_id = payload.get("session_id")
    if not isinstance(session_id, str) or not checks.is_valid_session_id(session_id):
        raise Refused(400, checks.BAD_SESSION, "'session_id' must be a chat session id.")
    return session_id, payload


def allowed_origin_headers(request: Request, origins: list[str] | None) -> dict[str, str] | None:
    """The CORS headers for the calling page: none needed (no Origin, or this server's own),
    the echo of a listed origin, or None: refused."""
    origin = request.headers.get("Origin")
    if origin is None or origin == f"{request.scheme}://{request.host}":
        return {}
    listed = origins or []
    if "*" in listed or origin.rstrip("/") in listed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return None


def preflight_headers(cors: dict[str, str]) -> dict[str, str]:
    if not cors:
        return {}
    return {
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
    }


def _error(refused: Refused) -> HTTPResponse:
    headers = {"Retry-After": str(max(1, math.ceil(refused.wait)))} if refused.wait else {}
    body = {"error": {"code": refused.code, "message": refused.message}}
    return response.json(body, status=refused.status, headers=headers)
