"""One place wires the Rasa process (Cosmic Python's `bootstrap.py` is the model).

`bot.rasa_server.main` calls `bootstrap(settings)` once, before Rasa's own main:

1. the run-time patches of Rasa that the settings ask for are installed (bot/rasa_patches);
2. `rasa run` is given two server listeners through Rasa's own plugin manager (its
   `configure_commandline` hook sets `server_listeners`, which `rasa run` hands to
   `serve_application`, which registers them on the Sanic app): Rasa itself is not patched.
   After the server has started (the model is loaded, every channel has built its parts
   and registered them on `app.ctx`), `background_parts` lists what runs beside the chat,
   and each is started in that order; before the server stops, they stop in reverse.

Nothing else starts anything. The tracker store and the channels build, configure and
register (the web channel its handoff relay on `app.ctx.handoff_relay`, the agent console
itself on `app.ctx.agent_console`), so one constructed in a test or a tool starts no timer,
task or patch.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pluggy
from rasa.plugin import plugin_manager

from bot import rasa_patches
from bot.console.sweeper import QueueSweeper, connected_rooms
from bot.console.webhook import HandoffWebhook, WebhookConfig, WebhookNotifier
from bot.customer_data.retention import RetentionPurger
from bot.inbox.collect import InboxCollector
from bot.kpis.schedule import KpiRefresher
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from sanic import Sanic

    from bot.channels.handoff import HandoffRelay
    from bot.console.channel import AgentConsoleInput

logger = logging.getLogger(__name__)

PLUGIN_NAME = "cim-bootstrap"
hookimpl = pluggy.HookimplMarker("rasa")
Listener = Callable[..., Awaitable[None]]


class BootstrapError(RuntimeError):
    """The process is wired twice, or its background started twice."""


class Part(Protocol):
    """Something that runs beside the chat: started once, stopped at shutdown."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Registered:
    """What the channels built and registered on the app by the time the server started."""

    relay: HandoffRelay | None = None
    console: AgentConsoleInput | None = None

    @classmethod
    def on(cls, app: Sanic) -> Registered:
        ctx = app.ctx
        return cls(getattr(ctx, "handoff_relay", None), getattr(ctx, "agent_console", None))


def background_parts(registered: Registered, settings: Settings) -> list[Part]:
    """Every part that runs beside the chat, in the order they start (they stop in reverse).

    A part whose channel is not served (those of the staff need the agent console), whose
    interval is 0 or whose address is unset is left out.
    """
    parts = [
        queue_sweeper(registered),
        inbox_collector(registered),
        kpi_refresher(registered, settings),
        handoff_webhook(registered),
        agent_feed(registered),
        retention_purger(settings),
        # issue 18: the email poller starts here, e.g. email_poller(registered, settings).
    ]
    return [part for part in parts if part is not None]


def queue_sweeper(registered: Registered) -> Part | None:
    staff = _staff(registered)
    if staff is None or staff.sweep_seconds <= 0:
        return None
    relay = staff.relay
    return QueueSweeper(
        relay,
        staff.new_uow,
        connected=connected_rooms(relay.emitter, relay.customer_namespace),
        interval_seconds=staff.sweep_seconds,
    )


def inbox_collector(registered: Registered) -> Part | None:
    """Finished handoffs and low ratings into the trainers' review inbox, as often."""
    staff = _staff(registered)
    if staff is None or staff.sweep_seconds <= 0:
        return None
    conversations = staff.relay.conversations
    return InboxCollector(staff.new_uow, conversations, interval_seconds=staff.sweep_seconds)


def kpi_refresher(registered: Registered, settings: Settings) -> Part | None:
    """The dashboard's figures (the console shows them)."""
    interval = float(settings.kpi_refresh_seconds)
    if _staff(registered) is None or interval <= 0:
        return None
    return KpiRefresher(interval)


def retention_purger(settings: Settings) -> Part | None:
    """What is past its window in retention.yml, purged (the store's own job: it runs with
    or without the console)."""
    interval = float(settings.retention_purge_seconds)
    if interval <= 0 or not settings.database_url:
        return None
    return RetentionPurger(interval, settings.retention_file)


def handoff_webhook(registered: Registered) -> Part | None:
    staff = _staff(registered)
    if staff is None or not staff.console.webhook_url:
        return None
    notifier = WebhookNotifier(WebhookConfig(url=staff.console.webhook_url))
    return HandoffWebhook(notifier, staff.relay, staff.console.link_to)


def agent_feed(registered: Registered) -> Part | None:
    """The agents' socket check (the console built the feed and serves its namespace)."""
    staff = _staff(registered)
    return staff.console.feed if staff is not None else None


@dataclass(frozen=True)
class _Staff:
    """What the staff's parts share: the console, its relay, store and sweep interval."""

    console: AgentConsoleInput
    relay: HandoffRelay
    new_uow: Callable[[], Any]
    sweep_seconds: float


def _staff(registered: Registered) -> _Staff | None:
    console, relay = registered.console, registered.relay
    if console is None or relay is None:
        return None
    if console.new_uow is None:
        raise BootstrapError("the agent console registered itself without its store")
    return _Staff(console, relay, console.new_uow, console.sweep_seconds or 0.0)


class Process:
    """The wiring of one Rasa process: its patches, and its background parts once started."""

    def __init__(self, settings: Settings, *, patches: list[str]) -> None:
        self.settings, self.patches = settings, patches
        self.running: list[Part] = []
        self._started = False

    def server_listeners(self) -> list[tuple[Listener, str]]:
        """For Rasa's `serve_application(server_listeners=...)`: Sanic listeners."""
        return [(self.start, "after_server_start"), (self.stop, "before_server_stop")]

    async def start(self, app: Sanic, *_: Any) -> None:
        """Start every background part of what the channels registered on `app`."""
        if self._started:
            raise BootstrapError("the background parts start once per process")
        self._started = True
        # Logged here: Rasa configures logging after the patches went in, before this runs.
        logger.info("Rasa patches in place: %s.", ", ".join(self.patches) or "none")
        for part in background_parts(Registered.on(app), self.settings):
            part.start()
            self.running.append(part)
            logger.info("Started %s.", type(part).__name__)

    async def stop(self, *_: Any) -> None:
        """Stop what was started, last first; one failing to stop does not keep the rest."""
        while self.running:
            part = self.running.pop()
            try:
                await part.stop()
            except Exception:
                logger.exception("%s did not stop cleanly.", type(part).__name__)


class _RasaPlugin:
    """Hands the process's listeners to `rasa run` (Rasa's plugin manager, as rasa_plus's)."""

    def __init__(self, process: Process) -> None:
        self.process = process

    @hookimpl  # type: ignore[misc]
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> None:
        given = list(getattr(cmdline_arguments, "server_listeners", None) or [])
        cmdline_arguments.server_listeners = [*given, *self.process.server_listeners()]


def bootstrap(
    settings: Settings | None = None, *, plugins: pluggy.PluginManager | None = None
) -> Process:
    """Wire this Rasa process, once: the patches now, the background with the server.

    `plugins` is Rasa's plugin manager (default: the process's); a second call raises
    `BootstrapError`, and installs nothing twice.
    """
    settings = get_settings() if settings is None else settings
    plugins = plugin_manager() if plugins is None else plugins
    if plugins.has_plugin(PLUGIN_NAME):
        raise BootstrapError("this Rasa process is wired already: bootstrap() runs once")
    process = Process(settings, patches=rasa_patches.install(settings))
    plugins.register(_RasaPlugin(process), name=PLUGIN_NAME)
    return process
