"""Fixtures for the Rasa patch tests: Rasa restored after each test, a loopback action
server, the project's domain and random conversations to compare the patches with Rasa on."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest

from bot import rasa_patches
from bot.settings import PROJECT_ROOT


@pytest.fixture(autouse=True)
def _rasa_restored() -> Iterator[None]:
    yield
    rasa_patches.uninstall()


@lru_cache(maxsize=1)
def _project_domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def domain() -> Any:
    """The project's domain (loaded once; nothing here changes it)."""
    return _project_domain()


def random_events(rng: random.Random, count: int) -> list[Any]:
    """A conversation's worth of events, including forms, reverts, restarts and rule turns."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        BotUttered,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    intents = ["greet", "order_status", "inform", "change_address", "affirm", "thanks"]
    actions = ["action_greet", "action_order_status", "utter_youre_welcome", "address_form"]
    makers = [
        lambda: ActionExecuted("action_listen"),
        lambda: UserUttered(
            "text",
            {"name": rng.choice(intents), "confidence": 1.0},
            [{"entity": "email", "value": "a@b.c", "start": 0, "end": 5}]
            if rng.random() < 0.3
            else [],
        ),
        lambda: ActionExecuted(rng.choice(actions), hide_rule_turn=rng.random() < 0.3),
        lambda: BotUttered("hi"),
        lambda: SlotSet(
            rng.choice(["email", "order_number", "address_order"]), rng.choice(["x", None])
        ),
        lambda: ActiveLoop(rng.choice(["address_form", None])),
        lambda: SlotSet("requested_slot", rng.choice(["new_address", None])),
        lambda: FollowupAction("action_greet"),
        lambda: UserUtteranceReverted(),
        lambda: ActionReverted(),
        lambda: Restarted(),
        lambda: SessionStarted(),
    ]
    weights = [8, 8, 8, 4, 4, 2, 2, 1, 1, 1, 1, 1]
    return [rng.choices(makers, weights)[0]() for _ in range(count)]


class ActionServer:
    """A loopback HTTP server that records what reaches it and from which connection."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.seen.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "auth": request.headers.get("Authorization"),
                "custom": request.headers.get("X-Custom"),
                "content_type": request.headers.get("Content-Type"),
                "body": await request.text(),
                "peer": peer,
            }
        )
        if request.path.endswith("/missing"):
            return web.json_response({"error": "nope"}, status=404)
        if request.path.endswith("/text"):
            return web.Response(text="plain")
        if request.path.endswith("/hang"):
            await asyncio.sleep(30)
        return web.json_response({"events": [], "echo": await request.json()})


@pytest.fixture
async def action_server() -> Any:
    from aiohttp import web

    server = ActionServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield server, f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()
