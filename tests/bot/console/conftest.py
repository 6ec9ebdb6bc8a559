"""A real Sanic server with the web channel (relay on), the agent console and a store."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.server import configure_cors
from rasa.shared.core.events import Event
from sanic import Sanic
from sqlalchemy.orm import sessionmaker

from bot.channels.handoff import HandoffRelay, ServiceStore
from bot.channels.web import WebChatInput
from bot.console.channel import AgentConsoleInput
from bot.services import passwords, queue
from bot.services.agents import create_agent
from bot.services.views import AgentView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.channels.conftest import FakeRasa, loopback_socket
from tests.bot.channels.conftest import (
    channel_options as channel_options,
)
from tests.bot.channels.conftest import (
    rasa_cors as rasa_cors,
)
from tests.bot.channels.conftest import (
    server as server,
)
from tests.bot.services.queue_factories import ALWAYS_OPEN, decision
from tools.seed.databases import SEED_NOW, seeded_database

Sanic.test_mode = True
PASSWORD = "correct horse battery"
CONVERSATION = "conv-console-0001"


@dataclass
class FakeConversations:
    """The tracker side: what the relay appended, and a history to show."""

    appended: list[Event] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    async def log_user_message(self, message: UserMessage) -> dict[str, Any]:
        self.events.append({"event": "user", "text": message.text, "parse_data": {}})
        return {}

    async def append(self, conversation_id: str, events: list[Event]) -> None:
        self.appended.extend(events)

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return self.events, {"customer_id": None}


@dataclass
class Console:
    url: str
    factory: sessionmaker
    channel: AgentConsoleInput
    relay: HandoffRelay
    conversations: FakeConversations
    anna: AgentView
    ben: AgentView
    handoff_id: int
    http: aiohttp.ClientSession

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.factory)

    async def login_form(self) -> tuple[str, str]:
        """(login cookie, form CSRF token) as a browser would get them."""
        async with self.http.get(self.url + "/") as page:
            html = await page.text()
            nonce = page.cookies["cim_agent_login"].value
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match is not None
        return nonce, match.group(1)

    async def login(self, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        nonce, token = await self.login_form()
        return await self.http.post(
            self.url + "/login",
            data={"username": username, "password": password, "csrf_token": token},
            headers={"Cookie": f"cim_agent_login={nonce}"},
            allow_redirects=False,
        )

    async def session(self, username: str) -> tuple[str, str]:
        """(session cookie, CSRF token) of a logged-in agent."""
        response = await self.login(username)
        assert response.status == 303
        cookie = response.cookies["cim_agent_session"].value
        async with self.http.get(
            self.url + "/", headers={"Cookie": session_cookie(cookie)}
        ) as page:
            html = await page.text()
        match = re.search(r'data-csrf="([^"]+)"', html)
        assert match is not None
        return cookie, match.group(1)

    async def act(
        self,
        session: tuple[str, str] | None,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        csrf: str | None = None,
        origin: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if session is not None:
            headers["Cookie"] = session_cookie(session[0])
            headers["X-CSRF-Token"] = session[1] if csrf is None else csrf
        if origin is not None:
            headers["Origin"] = origin
        url = f"{self.url}/api/handoffs/{self.handoff_id}/{action}"
        async with self.http.post(url, json=body or {}, headers=headers) as response:
            return response.status, await response.json()

    async def get(self, session: tuple[str, str] | None, path: str) -> tuple[int, Any]:
        headers = {"Cookie": session_cookie(session[0])} if session else {}
        async with self.http.get(self.url + path, headers=headers) as response:
            return response.status, await response.json()


def session_cookie(cookie: str) -> str:
    """The Cookie header's value that presents this session."""
    return f"cim_agent_session={cookie}"


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Agents' password hashing is not what these tests are about (test_agents.py is)."""
    monkeypatch.setattr(passwords, "COST_N", 2**10)


@pytest.fixture
def store() -> Iterator[sessionmaker]:
    with seeded_database("sqlite", customers=5, orders=10, now=SEED_NOW) as factory:
        yield factory


@pytest.fixture
async def console(store: sessionmaker, rasa_cors: str | None) -> AsyncIterator[Console]:
    new_uow = lambda: SqlAlchemyUnitOfWork(store)  # noqa: E731
    anna = create_agent(new_uow(), username="anna", password=PASSWORD, display_name="Anna")
    ben = create_agent(new_uow(), username="ben", password=PASSWORD, display_name="<b>Ben</b>")
    handoff = queue.enqueue(
        new_uow(),
        conversation_id=CONVERSATION,
        customer_id=None,
        decision=decision("conflict", code="explicit_request"),
        interaction_type="conflict",
        intent="request_human",
        policy=ALWAYS_OPEN,
    ).handoff
    web = WebChatInput(human_handoff=True)
    console_channel = AgentConsoleInput(
        new_uow=new_uow,
        secret=b"k" * 32,
        teams=("general", "billing"),
        secure_cookie=False,
        sweep_seconds=0,  # tests/bot/console/test_sweeper.py sweeps with a fixed clock
    )
    app = Sanic(f"test_console_{uuid.uuid4().hex}")
    if rasa_cors is not None:  # as `rasa run --cors <origins>` does
        configure_cors(app, rasa_cors)
    app.blueprint(web.blueprint(FakeRasa()), url_prefix="/webhooks/web")
    app.blueprint(console_channel.blueprint(FakeRasa()), url_prefix="/webhooks/console")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.start_serving()
    await server.after_start()
    relay = app.ctx.handoff_relay
    relay.store = ServiceStore(new_uow)
    conversations = relay.conversations = FakeConversations()
    assert server.server is not None
    port = server.server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Console(
            f"http://127.0.0.1:{port}/webhooks/console",
            store,
            console_channel,
            relay,
            conversations,
            anna,
            ben,
            handoff.id,
            http,
        )
    await server.before_stop()  # the web channel closes its sockets and stops socket.io here
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)
