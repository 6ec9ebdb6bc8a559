"""The handoff's life beyond the happy path, with the real processes: every process
restarted in the middle of a handoff, a customer who leaves the queue, outside business
hours, and a notification webhook that is down."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.services.queue import active_handoff_for, conversation_state
from tests.e2e.stack import Stack, always_open_policy, running_stack, texts
from tests.e2e.test_handoff import AgentBrowser, agent_socket, create_agent, next_of, uow
from tests.e2e.test_socketio import REPLY_TIMEOUT, Customer
from tests.waiting import until, wait_until
from tools.seed.demo_store import ensure_seeded

SWEEP_ENV = {"CIM_QUEUE_SWEEP_SECONDS": "1"}


@pytest.fixture(scope="module")
def sweeping_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Always open; the queue is swept every second and a customer not seen at a sweep
    has left (abandon_after_minutes: 0), so leaving shows within seconds."""
    tmp: Path = tmp_path_factory.mktemp("lifecycle")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    policy = always_open_policy(tmp, abandon_after_minutes=0)
    with running_stack(tmp, database_url=database_url, policy=policy, env=SWEEP_ENV) as stack:
        create_agent(stack, "anna", "Anna")
        yield stack


@pytest.fixture(scope="module")
def hanging_webhook() -> Iterator[str]:
    """A webhook receiver that takes the connection and never answers: each delivery
    attempt hangs until its time-out (5 s), as a stuck helpdesk would."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # never accepted: the kernel completes the handshakes
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/handoff"


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory: pytest.TempPathFactory, hanging_webhook: str) -> Iterator[Stack]:
    """The team is never on duty, and the handoff webhook hangs."""
    tmp: Path = tmp_path_factory.mktemp("closed")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    with running_stack(
        tmp,
        database_url=database_url,
        policy=always_open_policy(tmp, hours="closed"),
        env={"CIM_HANDOFF_WEBHOOK_URL": hanging_webhook},
        only={"rasa", "actions"},
    ) as stack:
        yield stack


async def wait_for_state(stack: Stack, conversation: str, state: str) -> None:
    await until(
        lambda: conversation_state(uow(stack), conversation_id=conversation) == state,
        timeout=REPLY_TIMEOUT,
        interval=0.2,
        what=f"{conversation} to become {state}",
    )


async def wait_for_sweeps(stack: Stack, present: str, sweeps: int) -> None:
    """Each sweep marks a connected queued customer present: their last-seen time moves.
    Waits until the sweep after the last one counted has begun, so every counted one has
    finished; stops early if the handoff is no longer queued (the caller asserts it is)."""
    seen: set[object] = set()

    def counted() -> bool:
        handoff = active_handoff_for(uow(stack), conversation_id=present)
        if handoff is None or handoff.state != "queued":
            return True
        seen.add(handoff.customer_last_seen_at)
        return len(seen) > sweeps + 1  # the value before the first, and one more begun

    await until(counted, timeout=REPLY_TIMEOUT, interval=0.1, what=f"{sweeps} queue sweeps")


async def test_every_process_restarts_in_the_middle_of_a_handoff(sweeping_stack: Stack) -> None:
    stack, session_id = sweeping_stack, uuid.uuid4().hex
    async with Customer(stack, session_id) as customer:
        await customer.say("can I speak to a real person please")
        handoff = active_handoff_for(uow(stack), conversation_id=session_id)
        assert handoff is not None and handoff.state == "queued"
        anna = AgentBrowser(stack, "anna")
        assert anna.act(handoff.id, "claim").status_code == 200
        await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)  # Anna joined

    stack.restart()  # Rasa, the action server and the shop: nothing queued is lost

    assert conversation_state(uow(stack), conversation_id=session_id) == "assigned"
    async with Customer(stack, session_id) as customer:
        socket, agent_events = await agent_socket(stack, anna)  # her session survived too
        try:
            await customer.client.emit(
                "user_uttered", {"message": "are you still there?", "session_id": session_id}
            )
            relayed = await next_of(agent_events, "customer_message")
            assert relayed["text"] == "are you still there?"
            assert anna.act(handoff.id, "reply", text="Yes, still here!").status_code == 200
            reply = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
            assert reply == {"text": "Yes, still here!", "agent": "Anna"}
            await asyncio.sleep(1.5)  # a window, not a condition: the bot does NOT answer
            assert customer.inbox.empty()  # the restarted bot stayed silent

            assert anna.act(handoff.id, "handback", disposition="solved").status_code == 200
            back = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
            assert back["handoff"]["status"] == "bot"
            assert "30 days" in await customer.say("what is your return policy?")
        finally:
            await socket.eio.disconnect(abort=True)

    users = [e["text"] for e in stack.tracker(session_id)["events"] if e["event"] == "user"]
    assert users == [
        "can I speak to a real person please",
        "are you still there?",
        "what is your return policy?",
    ]


async def test_a_customer_who_leaves_the_queue_is_abandoned(sweeping_stack: Stack) -> None:
    stack = sweeping_stack
    staying, leaving = uuid.uuid4().hex, uuid.uuid4().hex
    async with Customer(stack, staying) as stayer:
        await stayer.say("I want to talk to a human")
        async with Customer(stack, leaving) as leaver:
            await leaver.say("I want to talk to a human")
            left = active_handoff_for(uow(stack), conversation_id=leaving)
            assert left is not None and left.state == "queued"
            # A socket.io goodbye, as a closing tab sends; the long poll is cut afterwards.
            goodbye = asyncio.create_task(leaver.client.disconnect())
            await wait_for_state(stack, leaving, "bot")
            goodbye.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await goodbye

        await wait_for_sweeps(stack, staying, 2)  # a connected customer stays queued
        stays = active_handoff_for(uow(stack), conversation_id=staying)
        assert stays is not None and stays.state == "queued"
        anna = AgentBrowser(stack, "anna")
        waiting = [entry["id"] for entry in anna.get("/api/queue")["queue"]]
        assert stays.id in waiting and left.id not in waiting

    # Back later, the customer who left talks to the bot again.
    assert "30 days" in texts(stack.say(leaving, "what is your return policy?"))


def webhook_failures(stack: Stack) -> int:
    return stack.log.read_text().count("Handoff webhook attempt")


def test_outside_business_hours_a_ticket_is_created_while_the_webhook_hangs(
    closed_stack: Stack,
) -> None:
    session_id = uuid.uuid4().hex
    failures_before = webhook_failures(closed_stack)
    answer = texts(closed_stack.say(session_id, "I want to talk to a human"))
    # The answer came while the webhook's first attempt was still hanging: the chat
    # never waits for the webhook.
    assert webhook_failures(closed_stack) == failures_before
    handoff = active_handoff_for(uow(closed_stack), conversation_id=session_id)
    assert handoff is not None and handoff.state == "ticket"
    assert f"reference H-{handoff.id}" in answer and "get back to you" in answer
    # A ticket is not a live handoff: the bot keeps answering.
    assert "30 days" in texts(closed_stack.say(session_id, "what is your return policy?"))
    assert conversation_state(uow(closed_stack), conversation_id=session_id) == "ticket"

    # The failed delivery is logged (and retried), never shown to the customer.
    wait_until(
        lambda: webhook_failures(closed_stack) > failures_before,
        timeout=30,
        interval=0.2,
        what="the webhook failure in the log",
    )
    assert "webhook" not in answer.lower() and "Traceback" not in answer
    assert requests.get(f"{closed_stack.rasa_url}/", timeout=5).status_code == 200
