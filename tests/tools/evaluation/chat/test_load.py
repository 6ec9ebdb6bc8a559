"""The load generator against a real HTTP server on loopback that answers as told."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.customer_tokens import METADATA_KEY, verify_token
from tools.evaluation.chat import load
from tools.evaluation.chat.load import StepPlan, Target
from tools.evaluation.chat.scripts import (
    SCRIPTS,
    Customer,
    Message,
    action_share,
    long_conversation,
    render,
)
from tools.evaluation.chat.stats import ERROR, OK, TIMEOUT

SECRET = "load-test-secret-0123456789"
PEOPLE = [Customer("C0001", "maria.garcia@example.com", "100001")]


class Webhook:
    """Answers like a Rasa REST webhook; the message text chooses the behaviour."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.clients: list[str | None] = []  # X-Forwarded-For of each request

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        self.clients.append(request.headers.get("X-Forwarded-For"))
        text = body["message"]
        if text == "crash":
            return web.json_response({"error": "boom"}, status=500)
        if text == "slow":
            await asyncio.sleep(1.0)  # a slow server on purpose: its slowness is the test
        if text == "apology":
            return web.json_response([{"text": load.APOLOGY_PREFIX + ". Please try again."}])
        if text == "silent":
            return web.json_response([])
        if text == "garbage":
            return web.Response(text="not json")
        return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])


@pytest.fixture
async def server() -> AsyncIterator[tuple[Target, Webhook]]:
    hook = Webhook()
    app = web.Application()
    app.router.add_post("/webhook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield Target("test", f"http://127.0.0.1:{port}/webhook"), hook
    await runner.cleanup()


@pytest.mark.parametrize(
    ("text", "outcome", "silent"),
    [
        ("hi", OK, False),
        ("silent", OK, True),
        ("crash", ERROR, False),
        ("apology", ERROR, False),
        ("garbage", ERROR, False),
        ("slow", TIMEOUT, False),
    ],
)
async def test_each_reply_is_classified(
    server: tuple[Target, Webhook], text: str, outcome: str, silent: bool
) -> None:
    import aiohttp

    target, _ = server
    async with aiohttp.ClientSession() as session:
        got, latency, was_silent = await load.send(
            session,
            target,
            "bench-0123456789",
            Message(text, {}, False),
            timeout=0.3,
            client="10.0.0.1",
        )
    assert (got, was_silent) == (outcome, silent)
    assert latency >= 0


async def test_a_step_sends_scripted_turns_from_bounded_customers(
    server: tuple[Target, Webhook],
) -> None:
    target, hook = server
    plan = StepPlan(offered=20, seconds=0.8, warmup=0.2, think_mean=0.05, timeout=2)
    samples, conversations = await load.run_step(target, plan, PEOPLE, secret=SECRET)
    assert samples and all(s.outcome == OK for s in samples)
    assert conversations >= plan.customers == 1
    senders = {body["sender"] for body in hook.bodies}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{8,64}", s) for s in senders)
    tokens = [b["metadata"].get(METADATA_KEY) for b in hook.bodies if b["metadata"]]
    assert all(verify_token(t, secret=SECRET).subject == "C0001" for t in tokens)  # type: ignore[union-attr]
    assert max(s.started for s in samples) <= plan.seconds + 0.1


async def test_one_conversation_in_order(server: tuple[Target, Webhook]) -> None:
    target, hook = server
    messages = long_conversation(PEOPLE[0], turns=25, secret=SECRET)
    samples = await load.run_conversation(target, messages)
    assert len(samples) == 25 and all(s.outcome == OK for s in samples)
    assert len({b["sender"] for b in hook.bodies}) == 1
    assert [b["message"] for b in hook.bodies] == [m.text for m in messages]
    assert len(set(hook.clients)) == 1 and hook.clients[0] is not None  # one customer


def test_each_customer_presents_an_address_of_its_own() -> None:
    addresses = [load.customer_address(n) for n in range(1000)]

    assert len(set(addresses)) == 1000 and addresses[1] == "10.0.0.1"
    assert all(a.startswith("10.") for a in addresses)


def test_only_loopback_targets() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Target("x", "http://example.com/webhooks/rest/webhook")
    Target("x", "http://localhost:5005/webhooks/rest/webhook")


@pytest.mark.parametrize(
    "plan",
    [
        StepPlan(offered=1000, seconds=10),
        StepPlan(offered=10, seconds=900),
        StepPlan(offered=0, seconds=10),
        StepPlan(offered=10, seconds=10, think_mean=0),
    ],
)
def test_unbounded_or_empty_steps_are_refused(plan: StepPlan) -> None:
    with pytest.raises(ValueError):
        plan.check()


def test_scripts_are_ten_turns_and_a_third_run_actions() -> None:
    assert all(len(script.steps) == 10 for script in SCRIPTS)
    assert 0.3 <= action_share() <= 0.4
    anonymous = next(s for s in SCRIPTS if not s.identified)
    texts = [m.text for m in render(anonymous, PEOPLE[0], secret=SECRET)]
    assert any("maria.garcia@example.com" in t and "100001" in t for t in texts)
    assert all(not m.metadata for m in render(anonymous, PEOPLE[0], secret=SECRET))
