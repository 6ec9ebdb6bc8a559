"""The agent console as a Rasa input channel, served by the Rasa process next to the web
channel whose socket.io server it shares (the relay is on `app.ctx.handoff_relay`).

credentials.yml::

    bot.channels.web.WebChatInput:
      human_handoff: true          # required: the relay the console drives
    bot.console.channel.AgentConsoleInput:
      canned_responses: ["Let me check that for you.", ...]

Keys (all optional): `canned_responses` (list, default CANNED), `webhook_url` (default
env CIM_HANDOFF_WEBHOOK_URL, none: no webhook), `session_ttl_seconds` (default 28800),
`secure_cookie` (default: true outside development). The session key is env
CIM_CONSOLE_SECRET, else derived from CIM_TOKEN_SECRET (which is checked in production).
Pages at /webhooks/console/, agents' live events on the socket.io namespace /agents.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic

from bot.channels.handoff import AGENTS_NAMESPACE, AGENTS_ROOM, HandoffRelay
from bot.console import dashboard, routes, sessions
from bot.console.actions import ConsoleActions
from bot.console.sweeper import QueueSweeper, connected_rooms
from bot.console.throttle import LoginThrottle
from bot.console.webhook import WebhookConfig, WebhookNotifier, handoff_payload
from bot.inbox.collect import InboxCollector
from bot.kpis.schedule import KpiRefresher
from bot.services.views import AgentView

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
        app.register_listener(self.ctx.channel.start, "before_server_start")
        app.register_listener(self.ctx.channel.stop, "after_server_stop")
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
        self.actions: ConsoleActions | None = None
        self.notifier: WebhookNotifier | None = None
        self.sweeper: QueueSweeper | None = None
        self.collector: InboxCollector | None = None
        self.kpis: KpiRefresher | None = None
        self.login_throttle = LoginThrottle()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = _ConsoleBlueprint(self, "console_webhook", __name__)
        routes.add_routes(bp, self)
        dashboard.add_routes(bp, self)
        return bp

    async def start(self, app: Sanic, *_: Any) -> None:
        """Wire up to the web channel's relay once every channel is registered."""
        relay: HandoffRelay | None = getattr(app.ctx, "handoff_relay", None)
        if relay is None:
            raise RuntimeError(
                "the agent console needs bot.channels.web.WebChatInput with human_handoff: true"
            )
        self._configure()
        assert self.new_uow is not None
        self.actions = ConsoleActions(relay, self.new_uow)
        self._watch_new_handoffs(relay)
        self._sweep_queue(relay)
        relay.emitter.on("connect", self._agent_connects, namespace=AGENTS_NAMESPACE)  # type: ignore[attr-defined]

    async def stop(self, *_: Any) -> None:
        if self.sweeper is not None:
            await self.sweeper.stop()
        if self.collector is not None:
            await self.collector.stop()
        if self.kpis is not None:
            await self.kpis.stop()
        if self.notifier is not None:
            self.notifier.close()

    def _configure(self) -> None:
        from bot.settings import get_settings

        settings = get_settings()
        if self.secret is None:
            self.secret = sessions.derive_secret(settings.console_secret or settings.token_secret)
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

    def _sweep_queue(self, relay: HandoffRelay) -> None:
        from bot.settings import get_settings

        assert self.new_uow is not None
        interval = self.sweep_seconds
        if interval is None:
            interval = float(get_settings().queue_sweep_seconds)
        if interval <= 0:
            return
        self.sweeper = QueueSweeper(
            relay,
            self.new_uow,
            connected=connected_rooms(relay.emitter, relay.customer_namespace),
            interval_seconds=interval,
        )
        self.sweeper.start()
        # Finished handoffs and low ratings into the trainers' review inbox, as often.
        self.collector = InboxCollector(
            self.new_uow, relay.conversations, interval_seconds=interval
        )
        self.collector.start()
        self.kpis = KpiRefresher(float(get_settings().kpi_refresh_seconds))
        self.kpis.start()

    def _watch_new_handoffs(self, relay: HandoffRelay) -> None:
        if not self.webhook_url:
            return
        notifier = self.notifier = WebhookNotifier(WebhookConfig(url=self.webhook_url))
        relay.new_handoff_listeners.append(
            lambda handoff: notifier.notify(handoff_payload(handoff, None))
        )

    async def _agent_connects(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Only a logged-in agent joins the agents' room; the cookie came with the handshake."""
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookies.get(sessions.SESSION_COOKIE)
        agent = await self.agent_for(morsel.value if morsel else None)
        if agent is None:
            return False
        relay: Any = self.actions.relay if self.actions else None
        await relay.emitter.enter_room(sid, AGENTS_ROOM, namespace=AGENTS_NAMESPACE)
        return True

    async def agent_for(self, cookie: str | None) -> AgentView | None:
        """The active agent whose signed session this is; None otherwise."""
        session = self.session_for(cookie)
        if session is None or self.new_uow is None:
            return None
        return await routes.load_agent(self.new_uow, session.agent_id)

    def session_for(self, cookie: str | None) -> sessions.AgentSession | None:
        return sessions.verify(self.secret, cookie) if self.secret else None
