"""The process bootstrap: what starts beside the chat, in which order, once; what stops; and
that a tracker store or a channel, built or even served alone, starts nothing.

The apps are built by Rasa's own `configure_app` (what `rasa run` calls), with the
listeners the bootstrap hands to `rasa run` through Rasa's plugin manager.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pluggy
import pytest
import rasa.plugin
from rasa.__main__ import create_argument_parser
from rasa.core.channels.channel import InputChannel
from rasa.core.run import configure_app, serve_application
from rasa.shared.core.domain import Domain
from rasa.shared.utils.common import minimal_kwargs
from sanic import Sanic
from sqlalchemy.orm import sessionmaker

from bot import rasa_patches
from bot.bootstrap import BootstrapError, Process, bootstrap
from bot.channels.web import WebChatInput
from bot.console.channel import AgentConsoleInput
from bot.periodic import PeriodicTask
from bot.settings import Settings, get_settings
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from bot.trackers.store import CachedSQLTrackerStore
from tests.bot.channels.conftest import loopback_socket
from tests.bot.services.queue_factories import empty_store

Sanic.test_mode = True  # several apps named by Rasa "rasa_core_no_api" in one process
IN_ORDER = [
    "QueueSweeper",
    "InboxCollector",
    "KpiRefresher",
    "HandoffWebhook",
    "AgentFeed",
    "RetentionPurger",
]
HOOK = "http://127.0.0.1:9/hook"  # never called: no handoff is created here


@pytest.fixture
def store() -> Iterator[sessionmaker]:
    with empty_store("sqlite") as (_url, factory):
        yield factory


@pytest.fixture
def unpatched() -> Iterator[None]:
    """Rasa as shipped during the test; the patches put back as they were after it."""
    before = rasa_patches.installed()
    rasa_patches.uninstall()
    yield
    rasa_patches.uninstall()
    if before:
        rasa_patches.install(get_settings())


def settings(**changes: Any) -> Settings:
    defaults = {"kpi_refresh_seconds": 300, "retention_purge_seconds": 3600}
    return dataclasses.replace(get_settings(), **{**defaults, **changes})


def rasa_plugins() -> pluggy.PluginManager:
    """A plugin manager like Rasa's own (its hook specifications), fresh for each test."""
    manager = pluggy.PluginManager("rasa")
    manager.add_hookspecs(rasa.plugin)
    return manager


def channels(store: sessionmaker, **console: Any) -> list[InputChannel]:
    options = {"sweep_seconds": 60.0, "webhook_url": HOOK, **console}
    return [
        WebChatInput(human_handoff=True, token_secret="t" * 32),
        AgentConsoleInput(
            new_uow=partial(SqlAlchemyUnitOfWork, store),
            secret=b"k" * 32,
            teams=("general",),
            secure_cookie=False,
            **options,
        ),
    ]


@asynccontextmanager
async def serving(
    inputs: list[InputChannel], process: Process | None = None
) -> AsyncIterator[Sanic]:
    """The app `rasa run` would serve, started and, on leaving, stopped as Sanic does."""
    listeners = process.server_listeners() if process is not None else None
    app = configure_app(inputs, enable_api=False, server_listeners=listeners)
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.start_serving()
    await server.after_start()
    try:
        yield app
    finally:
        await server.before_stop()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)
        await server.after_stop()


def periodic_loops() -> list[str]:
    """Whose jobs (the class of a job's object) a `PeriodicTask` loop runs on this event loop."""
    running = []
    for task in asyncio.all_tasks():
        coroutine: Any = task.get_coro()
        if getattr(coroutine, "__qualname__", "") == f"{PeriodicTask.__name__}._run":
            job = coroutine.cr_frame.f_locals["self"].job
            running.append(type(getattr(job, "__self__", job)).__name__)
    return sorted(running)


def test_the_process_is_wired_once(unpatched: None) -> None:
    plugins = rasa_plugins()

    process = bootstrap(settings(), plugins=plugins)

    assert process.patches and rasa_patches.installed() == process.patches
    with pytest.raises(BootstrapError, match="once"):
        bootstrap(settings(), plugins=plugins)
    assert len(plugins.get_plugins()) == 1


def test_rasa_run_hands_the_listeners_to_its_server(unpatched: None) -> None:
    plugins = rasa_plugins()
    process = bootstrap(settings(), plugins=plugins)
    arguments = create_argument_parser().parse_args(["run", "--enable-api"])

    plugins.hook.configure_commandline(cmdline_arguments=arguments)

    # What `rasa run` passes on (rasa.api.run) to the function that builds the server.
    given = minimal_kwargs(vars(arguments), serve_application)["server_listeners"]
    assert given == [(process.start, "after_server_start"), (process.stop, "before_server_stop")]


async def test_the_background_starts_in_order_with_the_server_and_stops_with_it(
    store: sessionmaker,
) -> None:
    process = Process(settings(), patches=[])
    inputs = channels(store)

    async with serving(inputs, process) as app:
        assert [type(part).__name__ for part in process.running] == IN_ORDER
        assert periodic_loops() == sorted([*IN_ORDER[:3], "AgentFeed", "RetentionPurger"])
        relay = app.ctx.handoff_relay
        assert [listener.__qualname__ for listener in relay.new_handoff_listeners] == [
            "HandoffWebhook.notify"
        ]
        with pytest.raises(BootstrapError, match="once"):
            await process.start(app)

    assert process.running == []
    assert periodic_loops() == []
    assert relay.new_handoff_listeners == []


async def test_without_the_console_only_the_retention_purge_runs_beside_the_chat(
    store: sessionmaker,
) -> None:
    process = Process(settings(), patches=[])

    async with serving(channels(store)[:1], process):
        # The store's own housekeeping: the data past its window goes, console or not.
        assert [type(part).__name__ for part in process.running] == ["RetentionPurger"]
        assert periodic_loops() == ["RetentionPurger"]


async def test_without_the_console_and_the_purge_nothing_runs_beside_the_chat(
    store: sessionmaker,
) -> None:
    process = Process(settings(retention_purge_seconds=0), patches=[])

    async with serving(channels(store)[:1], process):
        assert process.running == []
        assert periodic_loops() == []


async def test_parts_switched_off_are_left_out(store: sessionmaker) -> None:
    process = Process(settings(kpi_refresh_seconds=0, retention_purge_seconds=0), patches=[])
    inputs = channels(store, sweep_seconds=0, webhook_url=None)

    async with serving(inputs, process):
        # The agents' feed stays: every push to agents still checks their sessions first.
        assert [type(part).__name__ for part in process.running] == ["AgentFeed"]
        assert periodic_loops() == []


async def test_channels_served_without_the_bootstrap_start_nothing(
    store: sessionmaker, unpatched: None
) -> None:
    inputs = channels(store, sweep_seconds=0.01)

    async with serving(inputs) as app:
        await asyncio.sleep(0.05)  # five sweep intervals: long enough for a loop to show
        assert periodic_loops() == []
        assert app.ctx.handoff_relay.new_handoff_listeners == []
        assert app.ctx.agent_console.feed is not None  # built and serving its namespace
        assert rasa_patches.installed() == []


def test_a_tracker_store_built_alone_installs_no_patch(tmp_path: Path, unpatched: None) -> None:
    CachedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "rasa.db"))

    assert rasa_patches.installed() == []
