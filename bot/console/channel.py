"""The agent console as a Rasa input channel, served by the Rasa process next to the web
channel whose socket.io server it shares (the relay is on `app.ctx.handoff_relay`).

credentials.yml::

    bot.channels.web.WebChatInput:
      human_handoff: true          # required: the relay the console drives
    bot.console.channel.AgentConsoleInput:
      canned_responses: ["Let me check that for you.", ...]

Keys (all optional): `canned_responses` (list, default CANNED), `webhook_url` (default
env CIM_HANDOFF_WEBHOOK_URL, none: no webhook), `session_ttl_seconds` (default 28800),
`secure_cookie` (default: true outside development), `sweep_seconds` (how often the queue
is swept, the review inbox collected and agents' sockets checked; default env
CIM_QUEUE_SWEEP_SECONDS, 0: never). The session key comes from
CIM_CONSOLE_SECRET only (required and checked in production; a dev-only value otherwise),
never from CIM_TOKEN_SECRET, which the shop's backend holds. A session lasts
`session_ttl_seconds`, capped by CIM_CONSOLE_SESSION_MAX_SECONDS, which the server checks
on every request. Pages at /webhooks/console/, agents' live events on the socket.io
namespace /agents (bot/console/feed.py). The console answers no other origin and sends no
CORS headers (bot/console/origin.py).

The channel builds and configures; it starts nothing. Before the server starts it builds
its parts on the web channel's relay and registers itself on `app.ctx.agent_console`; the
process bootstrap (bot/bootstrap.py) then starts what runs beside it: the queue sweeper, the
inbox collector, the KPI refresher, the handoff webhook and the agents' socket check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.handoff import HandoffRelay
from bot.console import dashboard, origin, routes, staff_cookies
from bot.console.agent_actions import ConsoleActions
from bot.console.feed import AgentFeed
from bot.console.guard import Staff, error, staff_for
from bot.console.throttle import LoginThrottle

logger = logging.getLogger(__name__)

CANNED = (
    "Thanks for waiting. Let me look into this for you.",
    "Could you give me your order number, please?",
    "I'm sorry about this. I'll make it right.",
    "Is there anything else I can help you with?",
)


class _ConsoleBlueprint(Blueprint):
    def __init__(self, channel: AgentConsoleInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.channel.mount_path = str(options.get("url_prefix") or self.url_prefix or "")
        app.register_listener(self.ctx.channel.prepare, "before_server_start")
        super().register(app, options)


class AgentConsoleInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        secure = credentials.get("secure_cookie")
        return cls(
            canned=tuple(str(text) for text in credentials.get("canned_responses") or CANNED),
            webhook_url=credentials.get("webhook_url") or None,
            session_ttl_seconds=int(credentials.get("session_ttl_seconds", 8 * 3600)),
            secure_cookie=None if secure is None else bool(secure),
            sweep_seconds=_seconds(credentials.get("sweep_seconds")),
        )

    def __init__(
        self,
        *,
        canned: tuple[str, ...] = CANNED,
        webhook_url: str | None = None,
        session_ttl_seconds: int = 8 * 3600,
        secure_cookie: bool | None = None,
        new_uow: Callable[[], Any] | None = None,
        secret: bytes | None = None,
        teams: tuple[str, ...] | None = None,
        sweep_seconds: float | None = None,
    ) -> None:
        self.canned, self.webhook_url = canned, webhook_url
        self.sweep_seconds = sweep_seconds  # None: CIM_QUEUE_SWEEP_SECONDS; 0: no sweeps
        self.session_ttl_seconds, self.secure_cookie = session_ttl_seconds, secure_cookie
        self.new_uow, self.secret, self.teams = new_uow, secret, teams
        self.relay: HandoffRelay | None = None
        self.actions: ConsoleActions | None = None
        self.feed: AgentFeed | None = None
        self.login_throttle = LoginThrottle()
        self.mount_path = "/webhooks/console"  # where Rasa mounted us (url_prefix is a method)
        self.console_origin = ""  # CIM_CONSOLE_ORIGIN; empty: each request's own
        self.session_max_seconds = session_ttl_seconds  # CIM_CONSOLE_SESSION_MAX_SECONDS

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = _ConsoleBlueprint(self, "console_webhook", __name__)
        bp.middleware("request")(self._only_our_origin)
        routes.add_routes(bp, self)
        dashboard.add_routes(bp, self)
        return bp

    async def _only_our_origin(self, request: Request) -> HTTPResponse | None:
        """No CORS headers on any console answer; calls from other origins refused."""
        origin.mark_no_cors(request)
        if origin.refused(request, self.console_origin):
            return error(403, "foreign_origin")
        return None

    async def prepare(self, app: Sanic, *_: Any) -> None:
        """Build what the console serves with, once every channel is registered (the relay
        is the web channel's), and register it for the process bootstrap."""
        relay: HandoffRelay | None = getattr(app.ctx, "handoff_relay", None)
        if relay is None:
            raise RuntimeError(
                "the agent console needs bot.channels.web.WebChatInput with human_handoff: true"
            )
        self._configure()
        assert self.new_uow is not None
        origin.exempt_from_cors(app, self.mount_path)
        self.relay = relay
        self.actions = ConsoleActions(relay, self.new_uow)
        self.feed = self._agent_feed(relay)
        app.ctx.agent_console = self

    def _configure(self) -> None:
        from bot.settings import get_settings

        settings = get_settings()
        if self.secret is None:
            self.secret = staff_cookies.derive_secret(settings.console_secret)
        self.console_origin = settings.console_origin
        self.session_max_seconds = settings.console_session_max_seconds
        if self.secure_cookie is None:
            self.secure_cookie = not settings.is_development
        if self.new_uow is None:
            from bot.store.unit_of_work import SqlAlchemyUnitOfWork

            self.new_uow = SqlAlchemyUnitOfWork
        if self.teams is None:
            from bot.escalation import project_policy

            routing = project_policy().routing
            self.teams = tuple(dict.fromkeys([routing.default_team, *routing.teams]))
        self.webhook_url = self.webhook_url or settings.handoff_webhook_url or None
        if self.sweep_seconds is None:
            self.sweep_seconds = float(settings.queue_sweep_seconds)

    def link_to(self, handoff_id: int) -> str | None:
        """The console's page of a handoff, when the console's origin is configured."""
        if not self.console_origin:
            return None
        return f"{self.console_origin.rstrip('/')}{self.mount_path.rstrip('/')}/#H-{handoff_id}"

    def _agent_feed(self, relay: HandoffRelay) -> AgentFeed:
        """The agents' namespace, served from now on; its periodic check is started by the
        process bootstrap, and every push to agents checks first (`agent_gate`)."""
        from bot.services.agent_sessions import live_sessions

        def live(session_ids: set[str]) -> set[str]:
            assert self.new_uow is not None
            return live_sessions(
                self.new_uow(), session_ids=session_ids, max_age_seconds=self.session_max_seconds
            )

        feed = AgentFeed(
            relay.emitter,
            staff_for=self.staff_for,
            live=live,
            console_origin=self.console_origin,
            interval_seconds=self.sweep_seconds or 0.0,
        )
        feed.install()
        relay.agent_gate = feed.check
        return feed

    async def staff_for(self, cookie: str | None) -> Staff | None:
        """The member of staff whose live session this cookie carries; None otherwise."""
        return await staff_for(
            self.secret, self.new_uow, cookie, max_age_seconds=self.session_max_seconds
        )

    def session_lifetime_seconds(self) -> int:
        """The cookie's lifetime, never past the server's maximum."""
        return max(1, min(self.session_ttl_seconds, self.session_max_seconds))


def _seconds(value: object) -> float | None:
    """A credentials value in seconds; None (unset) means the setting's default."""
    if value is None or value == "":
        return None
    return float(str(value))
