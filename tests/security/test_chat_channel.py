"""Attacks on the customer chat channel and the tracker store, replayed against real processes
(issue 14: findings 1 (the channel's part), 2, 9, 10 and 15).

The stack here is this module's own: its Rasa believes X-Forwarded-For from 127.0.0.1, as a
replica behind HAProxy does, so each test's "clients" are told apart by the address they
present, and the flood one test sends throttles nobody else (nor the shared `security_stack`).
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from bot.customer_tokens import sign_token
from bot.settings import Settings
from tests.db import rows
from tests.e2e.stack import Stack, running_stack, texts
from tools.seed.demo_store import ensure_seeded

REPLY_TIMEOUT = 30.0
SLOW_DOWN = "faster than I can read"  # the polite rate-limit reply says this


@pytest.fixture(scope="module")
def chat_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("chat-channel")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    env = {"CIM_TRUSTED_PROXIES": "127.0.0.1", "CIM_NPS_SHARE_PERCENT": "100"}
    with running_stack(tmp, database_url=database_url, env=env) as running:
        yield running


def client_address() -> str:
    """A made-up public address (TEST-NET-2) for one client of one test."""
    number = uuid.uuid4().int
    return f"198.51.{number % 250 + 1}.{number // 250 % 250 + 1}"


def post(
    stack: Stack, sender: str, text: str, *, client: str, metadata: dict[str, Any] | None = None
) -> requests.Response:
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    return requests.post(
        f"{stack.rasa_url}/webhooks/web/webhook",
        json=body,
        headers={"X-Forwarded-For": client},
        timeout=REPLY_TIMEOUT,
    )


def say(stack: Stack, sender: str, text: str, *, client: str, **extra: Any) -> str:
    response = post(stack, sender, text, client=client, **extra)
    response.raise_for_status()
    return texts(response.json())


def token(stack: Stack, customer: str) -> str:
    return sign_token(customer, secret=stack.settings.token_secret, ttl_seconds=600)


class WidgetClient:
    """Our widget's side of socket.io: a session, messages, ratings; every event recorded."""

    def __init__(self, stack: Stack, metadata: dict[str, Any] | None = None) -> None:
        self.stack, self.metadata = stack, metadata or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.session_id = ""
        for name in ("session_confirm", "bot_uttered", "error", "rating_saved", "nps_saved"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def __aenter__(self) -> WidgetClient:
        await self.sio.connect(
            self.stack.rasa_url,
            transports=["polling"],
            headers={"X-Forwarded-For": client_address()},
        )
        await self.sio.emit("session_request", {"customData": self.metadata})
        name, self.session_id = await self.next_event()
        assert name == "session_confirm"
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.sio.eio.disconnect(abort=True)

    async def next_event(self, timeout: float = REPLY_TIMEOUT) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def say(self, text: str) -> str:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        replies = [await self.next_event()]
        while True:  # the rest of the turn's messages follow the first at once
            try:
                replies.append(await self.next_event(1.5))
            except asyncio.TimeoutError:
                return "\n".join(str((data or {}).get("text", "")) for _, data in replies)

    async def send(self, event: str, data: dict[str, Any]) -> tuple[str, Any]:
        await self.sio.emit(event, {"session_id": self.session_id, **data})
        return await self.next_event()


def conversation_state(stack: Stack, sender: str) -> tuple[int, dict[str, Any]]:
    tracker = stack.tracker(sender)
    return len(tracker["events"]), tracker["slots"]


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]


# Finding 1 (channel part): internal intents typed by a customer.


@pytest.mark.parametrize("command", ["/restart", "/session_start", "/restart{}"])
def test_a_typed_internal_intent_over_rest_resets_nothing(chat_stack: Stack, command: str) -> None:
    sender, client = uuid.uuid4().hex, client_address()
    assert "email" in say(chat_stack, sender, "where is my order 100002?", client=client)
    before = conversation_state(chat_stack, sender)
    assert before[1]["order_number"] == "100002" and before[1]["pending_request"]

    answer = say(chat_stack, sender, command, client=client)

    assert answer  # the customer is answered
    assert conversation_state(chat_stack, sender) == before  # nothing reached Rasa


def test_a_command_after_a_question_in_one_message_resets_nothing(chat_stack: Stack) -> None:
    """However the channel cuts a message that asks several things, no piece is a command."""
    sender, client = uuid.uuid4().hex, client_address()
    say(chat_stack, sender, "where is my order 100002?", client=client)

    say(chat_stack, sender, "what is your return policy?\n/restart", client=client)

    assert stack_slots(chat_stack, sender)["order_number"] == "100002"
    assert user_texts(chat_stack, sender)[0] == "where is my order 100002?"


async def test_a_typed_restart_over_socketio_resets_nothing(chat_stack: Stack) -> None:
    async with WidgetClient(chat_stack) as widget:
        assert "email" in await widget.say("where is my order 100002?")
        before = conversation_state(chat_stack, widget.session_id)
        assert before[1]["order_number"] == "100002" and before[1]["pending_request"]
        for command in ("/restart", "/session_start"):
            assert await widget.say(command)
        assert conversation_state(chat_stack, widget.session_id) == before


def test_a_slot_setting_payload_does_not_verify_or_set_slots(chat_stack: Stack) -> None:
    sender, client = uuid.uuid4().hex, client_address()
    say(chat_stack, sender, "where is my order?", client=client)
    payload = '/inform{"email":"maria.garcia@example.com","order_number":"100002"}'

    answer = say(chat_stack, sender, payload, client=client)

    assert "#100002" not in answer and "verified" not in answer
    slots = stack_slots(chat_stack, sender)
    assert slots["email"] is None and slots["order_number"] is None
    assert slots["customer_id"] is None


def stack_slots(stack: Stack, sender: str) -> dict[str, Any]:
    return dict(stack.tracker(sender)["slots"])


def test_our_buttons_still_work(chat_stack: Stack) -> None:
    sender, client = uuid.uuid4().hex, client_address()
    meta = {"customer_token": token(chat_stack, "C0001")}

    answer = say(
        chat_stack, sender, '/order_status{"order_number":"100002"}', client=client, metadata=meta
    )

    assert "#100002" in answer


# Finding 2: REST and the signed widget session ids.


async def test_rest_with_another_customers_session_id_is_refused(chat_stack: Stack) -> None:
    async with WidgetClient(chat_stack, {"customer_token": token(chat_stack, "C0001")}) as maria:
        assert "Maria" in await maria.say("hello")
        victim = maria.session_id
    before = chat_stack.tracker(victim)["events"]

    anonymous = post(chat_stack, victim, "what are my account details?", client=client_address())
    other = {"customer_token": token(chat_stack, "C0002")}
    as_james = post(chat_stack, victim, "show my account", client=client_address(), metadata=other)

    for response in (anonymous, as_james):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "session_not_held"
        assert "maria" not in response.text.lower()
    assert chat_stack.tracker(victim)["events"] == before


async def test_rest_with_the_owners_token_still_chats(chat_stack: Stack) -> None:
    meta = {"customer_token": token(chat_stack, "C0001")}
    async with WidgetClient(chat_stack, meta) as maria:
        await maria.say("hello")
        session_id = maria.session_id

    client = client_address()
    answer = say(chat_stack, session_id, "where is my order?", client=client, metadata=meta)

    assert "#1000" in answer


# Finding 9: the request size limit of the Rasa process.


def _status_for_headers_alone(port: int, length: int) -> str:
    """Announce a body of `length` bytes, send none of it, and read the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            b"POST /webhooks/web/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n" + f"Content-Length: {length}\r\n\r\n".encode()
        )
        try:
            return conn.recv(200).split(b"\r\n", 1)[0].decode()
        except TimeoutError:
            return "no answer before the body"


def test_an_oversized_body_is_refused_before_it_is_read(chat_stack: Stack) -> None:
    status = _status_for_headers_alone(chat_stack.ports.rasa, 5 * 2**20)

    assert " 413 " in status, status


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _post_raw(port: int, body: bytes) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                b"POST /webhooks/web/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            conn.recv(200)
    except OSError:
        pass  # refused early: the server closed the connection while we were still sending


def test_parallel_5_mb_bodies_barely_move_the_rasa_process_memory(chat_stack: Stack) -> None:
    pid, port = chat_stack.supervisor.pid("rasa"), chat_stack.ports.rasa
    baseline, peak, done = _rss_mb(pid), [0.0], threading.Event()

    def sample() -> None:  # every 5 ms until the posts are done
        peak[0] = max(peak[0], _rss_mb(pid))
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss_mb(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    body = b'{"sender": "' + b"x" * (5 * 2**20) + b'"}'
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda _: _post_raw(port, body), range(10)))
    done.set()
    sampler.join()

    assert peak[0] - baseline < 15, f"RSS {baseline:.0f} MB -> peak {peak[0]:.0f} MB"


# Finding 10: floods, and ratings from sessions that never chatted.


def test_a_flood_from_one_client_is_slowed_while_another_client_is_answered(
    chat_stack: Stack,
) -> None:
    flooder, customer, sender = client_address(), client_address(), uuid.uuid4().hex

    def flood(_: int) -> requests.Response:
        return post(chat_stack, uuid.uuid4().hex, "where is my order?", client=flooder)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        flooded = pool.map(flood, range(300))
        answers = [say(chat_stack, sender, text, client=customer) for text in CUSTOMER_TURNS]
        responses = list(flooded)
    seconds = time.monotonic() - began

    limited = [r for r in responses if r.status_code == 429]
    defaults = Settings()  # the product's limits: the stack runs with them
    most = defaults.chat_client_burst + defaults.chat_client_per_minute * seconds / 60 + 1
    assert limited and len(responses) - len(limited) <= most, (len(limited), seconds)
    assert all(SLOW_DOWN in texts(r.json()) for r in limited)
    assert all(answer and SLOW_DOWN not in answer for answer in answers)
    assert user_texts(chat_stack, sender) == CUSTOMER_TURNS
    assert user_texts(chat_stack, limited[0].json()[0]["recipient_id"]) == []


CUSTOMER_TURNS = ["hello", "what is your return policy?", "thanks"]


def test_a_flood_in_one_conversation_is_slowed(chat_stack: Stack) -> None:
    sender, client = uuid.uuid4().hex, client_address()

    responses = [post(chat_stack, sender, f"hello {n}", client=client) for n in range(25)]

    limited = [r for r in responses if r.status_code == 429]
    assert len(limited) >= 10
    assert all(SLOW_DOWN in texts(r.json()) for r in limited)
    assert len(user_texts(chat_stack, sender)) == 25 - len(limited)


def _ratings(stack: Stack, conversation_id: str) -> list[int]:
    sql = "SELECT rating FROM conversation_ratings WHERE conversation_id = :id"
    return [row[0] for row in rows(stack.settings.database_url, sql, id=conversation_id)]


async def test_a_session_that_never_chatted_cannot_rate(chat_stack: Stack) -> None:
    async with WidgetClient(chat_stack) as idle:
        name, data = await idle.send("rating", {"rating": 1})
        session_id = idle.session_id

    assert name == "error", data
    assert _ratings(chat_stack, session_id) == []


async def test_a_conversation_is_rated_once(chat_stack: Stack) -> None:
    async with WidgetClient(chat_stack) as customer:
        assert await customer.say("what is your return policy?")
        first = await customer.send("rating", {"rating": 5})
        second = await customer.send("rating", {"rating": 1, "comment": "again"})
        session_id = customer.session_id

    assert first[0] == "rating_saved", first
    assert second[0] == "error", second
    assert _ratings(chat_stack, session_id) == [5]


async def test_an_nps_answer_needs_the_conversation_that_asked_it(chat_stack: Stack) -> None:
    meta = {"customer_token": token(chat_stack, "C0003")}
    async with WidgetClient(chat_stack, meta) as asked:
        assert await asked.say("what is your return policy?")
        rated = await asked.send("rating", {"rating": 4})
        assert rated[0] == "rating_saved" and rated[1].get("nps") is True, rated
        async with WidgetClient(chat_stack, meta) as idle:  # another tab that never chatted
            elsewhere = await idle.send("nps", {"score": 0})
        answered = await asked.send("nps", {"score": 9})
        again = await asked.send("nps", {"score": 0})

    assert elsewhere[0] == "error", elsewhere
    assert answered[0] == "nps_saved", answered
    assert again[0] == "error", again
    scores = rows(chat_stack.settings.database_url, "SELECT score FROM nps_responses")
    assert scores == [(9,)]


# Finding 15: customer tokens in the tracker store. Last: it restarts the stack.


def _stored_text(tracker_db: Path) -> str:
    """Every stored event row (the WAL included: sqlite reads it)."""
    with sqlite3.connect(tracker_db) as connection:
        found = connection.execute("SELECT sender_id, data FROM events")
        return "\n".join(f"{sender} {data}" for sender, data in found)


async def test_customer_tokens_are_not_stored_in_tracker_events(chat_stack: Stack) -> None:
    tokens = [token(chat_stack, "C0001"), token(chat_stack, "C0002")]
    async with WidgetClient(chat_stack, {"customer_token": tokens[0]}) as maria:
        assert "Maria" in await maria.say("hello")
        over_socket = maria.session_id
    over_rest = uuid.uuid4().hex
    meta = {"customer_token": tokens[1]}
    answer = say(chat_stack, over_rest, "where is my order?", client="192.0.2.1", metadata=meta)
    assert "#1000" in answer
    tracker_db = Path(chat_stack.log).parent / "tracker.db"

    stored = _stored_text(tracker_db)
    assert over_socket in stored and over_rest in stored
    assert all(t not in stored for t in tokens)
    assert "customer_token" not in stored
    chat_stack.restart()
    for sender in (over_socket, over_rest):
        tracker = requests.get(
            f"{chat_stack.rasa_url}/conversations/{sender}/tracker",
            params={"token": chat_stack.settings.rasa_auth_token},
            timeout=REPLY_TIMEOUT,
        ).text
        assert "hello" in tracker or "where is my order" in tracker
        assert all(t not in tracker for t in tokens) and "customer_token" not in tracker
    again = say(chat_stack, over_rest, "where is my order?", client="192.0.2.1", metadata=meta)
    assert "#1000" in again  # the token still works in the turn itself
