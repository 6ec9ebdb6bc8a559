"""Human handoff with the real processes: the customer asks for a person, an agent logs in
to the console, claims the conversation and answers live; the bot stays silent, then
takes over again when the agent hands back."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from typing import Any, Protocol

import requests
import socketio

from bot.services.queue import active_handoff_for
from bot.settings import Settings
from bot.store.db import session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.e2e.stack import Stack
from tests.e2e.test_socketio import REPLY_TIMEOUT, Customer

PASSWORD = "e2e agent password 42"
XSS = '<img src=x onerror="alert(1)">'


class Console(Protocol):
    """What agents need of a stack: the embedded one (`Stack`) or the production profile's."""

    @property
    def settings(self) -> Settings: ...

    @property
    def rasa_url(self) -> str: ...


def create_agent(stack: Console, username: str, name: str, role: str = "agent") -> None:
    """Through the CLI, as an administrator would; the password goes through stdin."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.settings.database_url,
        "CIM_ENV": "test",
        "CIM_TOKEN_SECRET": stack.settings.token_secret,
    }
    cim = os.path.join(os.path.dirname(sys.executable), "cim")
    done = subprocess.run(
        [cim, "agent", "create", username, "--name", name, "--role", role],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


class AgentBrowser:
    """An agent's HTTP session with the console: cookie, CSRF token, JSON calls. `cookies`
    go with every request from the first, e.g. the proxy's affinity cookie for a replica."""

    def __init__(
        self, stack: Console, username: str, *, cookies: dict[str, str] | None = None
    ) -> None:
        self.base = f"{stack.rasa_url}/webhooks/console"
        self.http = requests.Session()
        self.http.cookies.update(cookies or {})
        page = self.http.get(self.base + "/", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        login = self.http.post(
            self.base + "/login",
            timeout=30,
            allow_redirects=False,
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert login.status_code == 303, login.text
        self.page = self.http.get(self.base + "/", timeout=10).text
        csrf = re.search(r'data-csrf="([^"]+)"', self.page)
        assert csrf is not None
        self.csrf = csrf.group(1)
        self.cookie = self.http.cookies["cim_agent_session"]

    def get(self, path: str) -> Any:
        response = self.http.get(self.base + path, timeout=10)
        response.raise_for_status()
        return response.json()

    def act(self, handoff_id: int, action: str, **body: Any) -> requests.Response:
        return self.http.post(
            f"{self.base}/api/handoffs/{handoff_id}/{action}",
            json=body,
            timeout=30,
            headers={"X-CSRF-Token": self.csrf},
        )


async def agent_socket(stack: Stack, agent: AgentBrowser) -> tuple[Any, asyncio.Queue[Any]]:
    client = socketio.AsyncClient(reconnection=False)
    events: asyncio.Queue[Any] = asyncio.Queue()
    client.on("handoff", events.put_nowait, namespace="/agents")
    await client.connect(
        stack.rasa_url,
        namespaces=["/agents"],
        transports=["polling"],
        headers={"Cookie": f"cim_agent_session={agent.cookie}"},
    )
    return client, events


async def next_of(queue: asyncio.Queue[Any], kind: str) -> dict[str, Any]:
    while True:
        event = await asyncio.wait_for(queue.get(), REPLY_TIMEOUT)
        if event.get("kind") == kind:
            return dict(event)


def uow(stack: Stack) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(session_factory(stack.settings.database_url))


async def test_an_agent_takes_over_and_hands_back(stack: Stack) -> None:
    create_agent(stack, "anna", "Anna")
    create_agent(stack, "ben", "Ben")
    session_id = uuid.uuid4().hex
    async with Customer(stack, session_id) as customer:
        asked = await customer.say("I want to talk to a human")
        handoff = active_handoff_for(uow(stack), conversation_id=session_id)
        # Outside escalation.yml's business hours the handoff is a ticket, which agents
        # may claim too; the live relay starts once it is assigned either way.
        assert handoff is not None and handoff.state in ("queued", "ticket"), asked
        if handoff.state == "queued":
            assert re.search(r"number \d+ in the queue", asked), asked

        anna, ben = AgentBrowser(stack, "anna"), AgentBrowser(stack, "ben")
        queue = anna.get("/api/queue")["queue"]
        assert [e["id"] for e in queue if e["id"] == handoff.id]
        packet = anna.get(f"/api/handoffs/{handoff.id}")
        assert packet["transcript"][0]["text"] == "I want to talk to a human"
        assert packet["intents"][0]["intent"] == "request_human"
        assert packet["why"]["reasons"] and packet["summary"] and packet["bot_tried"]

        assert (
            requests.post(  # no session
                f"{anna.base}/api/handoffs/{handoff.id}/claim", json={}, timeout=10
            ).status_code
            == 401
        )
        socket, agent_events = await agent_socket(stack, anna)
        try:
            assert anna.act(handoff.id, "claim").status_code == 200
            assert ben.act(handoff.id, "claim").status_code == 409  # double claim
            joined = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
            assert joined["text"] == "Anna from our team joined the chat."

            await customer.client.emit(
                "user_uttered", {"message": f"my parcel is broken {XSS}", "session_id": session_id}
            )
            relayed = await next_of(agent_events, "customer_message")
            assert relayed["text"] == f"my parcel is broken {XSS}"
            assert anna.act(handoff.id, "reply", text="So sorry! Let me fix it.").status_code == 200
            reply = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
            assert reply == {"text": "So sorry! Let me fix it.", "agent": "Anna"}
            await asyncio.sleep(2)  # a window, not a condition: proves the bot does NOT answer
            assert customer.inbox.empty()  # the bot said nothing meanwhile

            packet = anna.get(f"/api/handoffs/{handoff.id}")
            assert packet["transcript"][-2]["text"] == f"my parcel is broken {XSS}"
            page = anna.http.get(anna.base + "/", timeout=10).text
            assert XSS not in page

            assert anna.act(handoff.id, "handback", disposition="solved").status_code == 200
            back = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
            assert back["handoff"]["status"] == "bot"
            answer = await customer.say("what are your opening hours?")
            assert answer and "Anna" not in answer
        finally:
            await socket.eio.disconnect(abort=True)

    events = stack.tracker(session_id)["events"]
    agent_lines = [
        e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")
    ]
    assert [e["text"] for e in agent_lines] == ["So sorry! Let me fix it."]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users[-2:] == [f"my parcel is broken {XSS}", "what are your opening hours?"]
