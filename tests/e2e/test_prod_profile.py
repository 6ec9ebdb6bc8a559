"""The production profile with its real parts: HAProxy (TLS) in front of two Rasa replicas
(each with its own action server), PostgreSQL for conversations, customers and the handoff
queue, Redis for locks and socket.io's cross-replica relay.

A database and a Redis key prefix of this test's own are removed afterwards. Clients pick a
replica the way a browser stays on one: with HAProxy's affinity cookie. They trust the
profile's self-signed certificate, and only that one: `requests` through REQUESTS_CA_BUNDLE,
aiohttp through its connector's SSL context.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis
import requests
import socketio
import sqlalchemy as sa
from yarl import URL

from bot.customer_tokens import sign_token
from bot.services.queue import active_handoff_for
from bot.settings import Settings
from bot.store.db import session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.browser import artifacts_dir, expect, open_chat_page
from tests.e2e.stack import MODEL, START_TIMEOUT, always_open_policy, conversation_tracker
from tests.e2e.test_handoff import AgentBrowser, create_agent, next_of
from tests.waiting import wait_until
from tools.evaluation.chat.prod_profile import isolated_profile
from tools.processes import prod
from tools.processes.supervisor import Supervisor

REPLY_TIMEOUT = 30.0
AFFINITY = "CIM_REPLICA"
REDIS_URL = "redis://127.0.0.1:6379"


@dataclass
class ProdStack:
    settings: Settings
    ports: prod.ProdPorts
    stores: prod.ProdStores
    supervisor: Supervisor
    log: Path

    @property
    def rasa_url(self) -> str:  # what customers use: the proxy's chat origin
        return prod.public_url(self.ports)

    @property
    def console_url(self) -> str:  # what agents use: the proxy's console origin
        return prod.console_url(self.ports)

    @property
    def console(self) -> ConsoleDoor:
        """The stack as the console's agents see it (`AgentBrowser`, `create_agent`)."""
        return ConsoleDoor(self.settings, self.console_url)

    @property
    def cert(self) -> Path:
        return prod.DEFAULT_TLS_CERT

    def tracker(self, sender: str) -> dict[str, Any]:
        return conversation_tracker(self.rasa_url, self.settings.rasa_auth_token, sender)


@dataclass(frozen=True)
class ConsoleDoor:
    settings: Settings
    rasa_url: str


@contextmanager
def trusting_the_profile() -> Iterator[None]:
    """`requests` verifies the proxy's certificate against the profile's own, only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(prod.DEFAULT_TLS_CERT))
        yield


def _free_redis_db() -> int:
    """A Redis database number nobody uses now (0 and the profile's default 2 are left alone)."""
    for number in range(15, 2, -1):
        with redis.Redis.from_url(f"{REDIS_URL}/{number}") as client:
            if client.dbsize() == 0:
                return number
    raise RuntimeError("no empty Redis database between 3 and 15")


@contextmanager
def running_prod_stack(tmp: Path, label: str, **settings: Any) -> Iterator[ProdStack]:
    """The profile in a database `cim_<label>_<random>` and under Redis keys `<label><random>`
    of its own, trusted by `requests`; `settings` are added to the test settings."""
    own = Settings(
        **{
            "env": "test",
            "token_secret": "e2e-token-secret-0123456789",
            "rasa_auth_token": "e2e-rasa-token-0123456789",
            "escalation_file": str(always_open_policy(tmp)),
            **settings,
        }
    )
    log = tmp / "prod.log"
    with (
        log.open("w") as echo,
        isolated_profile(
            own,
            label=label,
            redis_url=f"{REDIS_URL}/{_free_redis_db()}",
            model=MODEL,
            echo=echo,
            start_timeout=START_TIMEOUT,
        ) as running,
        trusting_the_profile(),
    ):
        yield ProdStack(running.settings, running.ports, running.stores, running.supervisor, log)


@pytest.fixture(scope="module")
def prod_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdStack]:
    with running_prod_stack(tmp_path_factory.mktemp("prod"), "e2e") as stack:
        yield stack


@asynccontextmanager
async def pinned_client(stack: ProdStack, replica: str) -> AsyncIterator[socketio.AsyncClient]:
    """A socket.io client whose cookie jar holds HAProxy's affinity cookie for `replica`,
    as a browser's would (aiohttp's default jar ignores cookies of IP addresses)."""
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({AFFINITY: replica}, URL(stack.rasa_url))
    trusted = ssl.create_default_context(cafile=str(stack.cert))
    http = aiohttp.ClientSession(cookie_jar=jar, connector=aiohttp.TCPConnector(ssl=trusted))
    client = socketio.AsyncClient(reconnection=False, http_session=http)
    try:
        yield client
    finally:
        if client.connected:
            await client.eio.disconnect(abort=True)
        await http.close()


class Customer:
    """Rasa's web-chat protocol over polling through the proxy (see test_socketio.Customer)."""

    def __init__(self, client: socketio.AsyncClient, session_id: str) -> None:
        self.client, self.session_id = client, session_id
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        client.on("bot_uttered", self.inbox.put_nowait)
        client.on("session_confirm", self._confirm)

    async def _confirm(self, session_id: Any) -> None:
        if not self.confirmed.done():
            self.confirmed.set_result(session_id)

    async def start(self, url: str) -> Customer:
        await self.client.connect(url, transports=["polling"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        assert await asyncio.wait_for(self.confirmed, REPLY_TIMEOUT) == self.session_id
        return self

    async def say(self, text: str) -> str:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return await self.replies()

    async def replies(self) -> str:
        """The bot's reply bubbles to one message: the first, then any within 1.5 s of it."""
        replies = [await asyncio.wait_for(self.inbox.get(), REPLY_TIMEOUT)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.inbox.get(), 1.5))
            except asyncio.TimeoutError:
                return "\n".join(str(r.get("text", "")) for r in replies)


class WidgetCustomer(Customer):
    """As widget/src/widget.js on the wire: the session_request carries the customer's metadata
    and asks for the history (a new session gets an id signed for its owner); `typing` shows
    that a replica has taken the message."""

    def __init__(
        self, client: socketio.AsyncClient, session_id: str | None, metadata: dict[str, Any]
    ) -> None:
        super().__init__(client, session_id or "")
        self.metadata = metadata
        self.history: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.typing = asyncio.Event()
        client.on("chat_history", self._history)
        client.on("typing", self._typing)

    async def _history(self, history: Any) -> None:
        if not self.history.done():
            self.history.set_result(history)

    async def _typing(self, state: Any) -> None:
        if isinstance(state, dict) and state.get("typing") is True:
            self.typing.set()

    async def start(self, url: str) -> WidgetCustomer:
        await self.client.connect(url, transports=["polling"])
        request = {"session_id": self.session_id or None, "customData": self.metadata}
        await self.client.emit("session_request", {**request, "history": True})
        self.session_id = str(await asyncio.wait_for(self.confirmed, REPLY_TIMEOUT))
        return self

    async def send(self, text: str) -> None:
        message = {"message": text, "session_id": self.session_id, "customData": self.metadata}
        await self.client.emit("user_uttered", message)

    async def say(self, text: str) -> str:
        await self.send(text)
        return await self.replies()


def test_the_proxy_serves_the_chat_page_and_both_replicas(prod_stack: ProdStack) -> None:
    page = requests.get(prod_stack.rasa_url + "/", timeout=10)
    assert page.status_code == 200 and 'src="/webhooks/web/widget.js"' in page.text
    assert "customerToken" not in page.text  # nobody is signed in by the proxy's page
    seen = set()
    for _ in range(6):  # no cookie: round robin; each answer names its replica in a cookie
        response = requests.get(prod_stack.rasa_url + "/rasa-health", timeout=10)
        assert response.status_code == 200 and "Rasa" in response.text
        seen.add(response.cookies.get(AFFINITY))
    assert seen == {"rasa1", "rasa2"}


def test_rest_turns_of_one_conversation_stay_on_one_replica(prod_stack: ProdStack) -> None:
    """Without a cookie, HAProxy hashes the sender: the replica's tracker cache holds."""
    replicas: dict[str, set[str]] = {}
    for index in range(8):
        sender = f"rest-affinity-{index:02d}"
        for text in ("hello", "what is your return policy?"):
            response = requests.post(  # a fresh connection, no cookie, each time
                f"{prod_stack.rasa_url}/webhooks/web/webhook",
                json={"sender": sender, "message": text},
                timeout=30,
            )
            assert response.status_code == 200 and response.json(), response.text
            replicas.setdefault(sender, set()).add(str(response.cookies.get(AFFINITY)))
    assert all(len(found) == 1 for found in replicas.values()), replicas
    assert set().union(*replicas.values()) == {"rasa1", "rasa2"}, replicas


async def test_a_customer_on_one_replica_and_an_agent_on_the_other(prod_stack: ProdStack) -> None:
    create_agent(prod_stack, "paula", "Paula")
    session_id = uuid.uuid4().hex
    agent = AgentBrowser(prod_stack.console, "paula", cookies={AFFINITY: "rasa2"})
    async with (
        pinned_client(prod_stack, "rasa1") as customer_socket,
        pinned_client(prod_stack, "rasa2") as agent_socket,
    ):
        customer = await Customer(customer_socket, session_id).start(prod_stack.rasa_url)
        asked = await customer.say("I want to talk to a human")
        uow = SqlAlchemyUnitOfWork(session_factory(prod_stack.settings.database_url))
        handoff = active_handoff_for(uow, conversation_id=session_id)
        assert handoff is not None and handoff.state == "queued", asked

        agent_events: asyncio.Queue[Any] = asyncio.Queue()
        agent_socket.on("handoff", agent_events.put_nowait, namespace="/agents")
        await agent_socket.connect(
            prod_stack.console_url,
            namespaces=["/agents"],
            transports=["polling"],
            headers={"Cookie": f"cim_agent_session={agent.cookie}; {AFFINITY}=rasa2"},
        )
        assert agent.act(handoff.id, "claim").status_code == 200  # on replica 2
        joined = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)  # on replica 1
        assert joined["text"] == "Paula from our team joined the chat."

        await customer.client.emit(
            "user_uttered", {"message": "my tent has a hole", "session_id": session_id}
        )
        relayed = await next_of(agent_events, "customer_message")  # replica 1 -> Redis -> 2
        assert relayed["text"] == "my tent has a hole"
        assert agent.act(handoff.id, "reply", text="Sorry! A new one is on its way.").ok
        reply = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)  # 2 -> Redis -> 1
        assert reply == {"text": "Sorry! A new one is on its way.", "agent": "Paula"}
        assert agent.act(handoff.id, "handback", disposition="solved").ok
        back = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
        assert back["handoff"]["status"] == "bot"

    events = prod_stack.tracker(session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        "I want to talk to a human",
        "my tent has a hole",
    ]


async def test_a_browser_chats_over_a_websocket_through_the_proxy(prod_stack: ProdStack) -> None:
    """The proxy's page (no one signed in; its CSP allows only its own origin): a customer
    verifies with an email and an order number, over TLS and a secure websocket."""
    public = prod_stack.rasa_url
    async with open_chat_page(f"{public}/", ignore_https_errors=True) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await expect()(chat.log).to_contain_text("Trailhead Outfitters assistant")
        await chat.say("where is my order 100004?")
        bot = chat.log.locator(".cim-msg--bot .cim-bubble")
        asked = bot.filter(has_text="email address on your account")
        await expect()(asked).to_have_count(1, timeout=30_000)
        await chat.say("james.smith@example.com")
        await expect()(bot.filter(has_text="#100004")).to_have_count(1, timeout=30_000)
        await chat.page.screenshot(path=str(artifacts_dir() / "prod-profile-chat.png"))
        assert chat.errors == []
    port = str(prod_stack.ports.public)
    assert any(url.startswith(f"wss://127.0.0.1:{port}/socket.io/") for url in chat.sockets), (
        chat.sockets
    )


async def test_conversations_continue_when_a_replica_is_killed(prod_stack: ProdStack) -> None:
    session_id = uuid.uuid4().hex
    async with pinned_client(prod_stack, "rasa1") as first:
        customer = await Customer(first, session_id).start(prod_stack.rasa_url)
        asked = await customer.say("where is order 100002?")
        assert "email" in asked.lower()
        prod_stack.supervisor.stop_one("rasa1")  # SIGKILL: no goodbye to the clients
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{prod_stack.ports.rasa[0]}/", timeout=5)

    # The browser still holds the dead replica's cookie; the proxy sends it to the other one.
    async with pinned_client(prod_stack, "rasa1") as second:
        resumed = await Customer(second, session_id).start(prod_stack.rasa_url)
        answer = await resumed.say("maria.garcia@example.com")
    assert "#100002" in answer
    events = prod_stack.tracker(session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        "where is order 100002?",
        "maria.garcia@example.com",
    ]


def test_under_load_a_killed_replica_loses_no_message(prod_stack: ProdStack) -> None:
    """Runs last: rasa1 is already dead. Restart it, chat from 12 REST customers, kill rasa2
    in the middle: every message gets an answer or an HTTP error the client can retry (never a
    hang, never an empty 200), and a retried message is answered by the surviving replica."""
    import concurrent.futures

    for service in prod.services(
        prod_stack.settings, model=MODEL, ports=prod_stack.ports, stores=prod_stack.stores
    ):
        if service.name == "rasa1":
            prod_stack.supervisor.start(service)
    prod_stack.supervisor.wait_ready(timeout=START_TIMEOUT)
    _wait_replicas_up(prod_stack)

    answered: list[str] = []  # by every customer, as the turns come back

    def customer(index: int) -> list[str]:
        outcomes = []
        sender = f"load-kill-{index:02d}-{uuid.uuid4().hex[:8]}"
        for text in ["hello", "what is your return policy?", "do you ship abroad?"] * 3:
            for _attempt in range(3):  # the widget retries a failed message
                try:
                    response = requests.post(
                        f"{prod_stack.rasa_url}/webhooks/web/webhook",
                        json={"sender": sender, "message": text},
                        timeout=20,
                    )
                except requests.ConnectionError:
                    outcomes.append("connection error")
                    continue
                except requests.Timeout:  # the widget retries after its own time-out too
                    outcomes.append("time-out")
                    continue
                if response.status_code == 200:
                    assert response.json(), "an empty answer"
                    outcomes.append("answered")
                    answered.append(sender)
                    break
                assert response.status_code in (502, 503, 504), response.status_code
                outcomes.append(f"http {response.status_code}")
                time.sleep(0.5)  # the widget's back-off before a retry: part of the load
            else:
                outcomes.append("lost")
            time.sleep(0.2)  # a customer's pause between messages: part of the load
        return outcomes

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(customer, index) for index in range(12)]
        wait_until(  # in the middle: two of each customer's nine turns answered, on average
            lambda: len(answered) >= 24, timeout=120, what="24 answered turns before the kill"
        )
        prod_stack.supervisor.stop_one("rasa2")
        results = [future.result(timeout=240) for future in futures]
    flat = [outcome for outcomes in results for outcome in outcomes]
    assert "lost" not in flat, results
    assert flat.count("answered") == 12 * 9, results


def _wait_replicas_up(stack: ProdStack, timeout: float = 30.0) -> None:
    wait_until(
        lambda: (
            requests.get(f"{prod.http_url(stack.ports)}/proxy-ready", timeout=5).status_code == 200
        ),
        timeout=timeout,
        interval=0.2,
        what="the proxy to see both replicas up",
    )


def _ensure_replicas_up(stack: ProdStack) -> None:
    """Start the replicas an earlier test killed (this test may also run on its own)."""
    for service in prod.services(
        stack.settings, model=MODEL, ports=stack.ports, stores=stack.stores
    ):
        if service.name.startswith("rasa") and not _answers(service.ready_url):
            stack.supervisor.start(service)
    stack.supervisor.wait_ready(timeout=START_TIMEOUT)
    _wait_replicas_up(stack)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.ConnectionError:
        return False


async def test_a_message_cut_off_by_a_killed_replica_is_resent_on_the_other(
    prod_stack: ProdStack,
) -> None:
    """A socket.io customer's message is taken by rasa1, which dies before it answers (the
    order it asks about is locked, so the turn is surely still running). Rasa writes a turn
    to the tracker store only when it ends, so the message is not in the history the
    reconnected client gets from rasa2; a client that resends what the history lacks (the
    widget keeps no such copy today, see widget/src/widget.js `deliver`) gets its answer,
    and the conversation holds each message once."""
    _ensure_replicas_up(prod_stack)
    token = sign_token("C0001", secret=prod_stack.settings.token_secret, ttl_seconds=600)
    metadata = {"customer_token": token}
    question = "where is order 100002?"
    locker = sa.create_engine(prod_stack.settings.database_url, future=True)  # no time-out
    try:
        async with pinned_client(prod_stack, "rasa1") as first:
            customer = await WidgetCustomer(first, None, metadata).start(prod_stack.rasa_url)
            assert "30 days" in await customer.say("what is your return policy?")
            customer.typing.clear()
            with locker.begin() as held:
                held.execute(sa.text("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"))
                await customer.send(question)
                await asyncio.wait_for(customer.typing.wait(), REPLY_TIMEOUT)
                prod_stack.supervisor.stop_one("rasa1")  # mid-turn; the lock goes with the block
            assert customer.inbox.empty()
            session_id = customer.session_id
    finally:
        locker.dispose()

    async with pinned_client(prod_stack, "rasa1") as second:  # the proxy redispatches to rasa2
        resumed = await WidgetCustomer(second, session_id, metadata).start(prod_stack.rasa_url)
        assert resumed.session_id == session_id
        history = await asyncio.wait_for(resumed.history, REPLY_TIMEOUT)
        shown = [m["text"] for m in history["messages"] if m["from"] == "user"]
        assert shown == ["what is your return policy?"], history
        answer = await resumed.say(question)  # unanswered and not in the history: resent
    assert "#100002" in answer, answer
    events = prod_stack.tracker(session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        "what is your return policy?",
        question,
    ]
