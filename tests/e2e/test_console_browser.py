"""The agent console in real Chromium, against the real Rasa and action servers: an agent
logs in through the form, finds the customer's handoff in the queue, claims it, reads the
customer's markup as plain text, answers live, and hands the customer back to the bot."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from bot.services.queue import active_handoff_for
from tests.browser import CHROMIUM_ARGS, artifacts_dir, chromium_executable, expect
from tests.e2e.stack import Stack
from tests.e2e.test_handoff import PASSWORD, create_agent, uow
from tests.e2e.test_socketio import REPLY_TIMEOUT, Customer

XSS = "<img src=x onerror=alert(1)>"
ASK_FOR_HUMAN = "I want to talk to a human agent"
AGENT_REPLY = "Hi, I'm Dana. I'm sorry about this; I'll sort it out."
LIVE_MS = 10_000  # well under console.js's 30 s queue refresh: the update must be pushed


async def next_message(
    customer: Customer, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first `bot_uttered` on the customer's socket that is `wanted`."""
    while True:
        message = await asyncio.wait_for(customer.inbox.get(), REPLY_TIMEOUT)
        if wanted(message):
            return message


def console_error(errors: list[str], message: Any) -> None:
    """Console errors, except the 404 for the favicon Chromium asks every origin for."""
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{message.text} ({message.location.get('url')})")


async def test_an_agent_answers_a_customer_from_the_console_in_the_browser(stack: Stack) -> None:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("The browser test needs playwright: `pip install playwright==1.65.2`.")
    username = f"dana{uuid.uuid4().hex[:8]}"
    create_agent(stack, username, "Dana")
    session_id = uuid.uuid4().hex
    dialogs: list[str] = []
    errors: list[str] = []

    async with Customer(stack, session_id) as customer, async_playwright() as pw:
        await customer.say(XSS)
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            page.on("dialog", lambda dialog: dialogs.append(dialog.message))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: console_error(errors, message))

            # Log in through the form, as a person would.
            await page.goto(f"{stack.rasa_url}/webhooks/console/")
            await expect()(page).to_have_title("Agent console: log in")
            await page.get_by_label("Username").fill(username)
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await expect()(page).to_have_title("Agent console")
            await expect()(page.get_by_text("Dana (agent)")).to_be_visible()
            await expect()(page.locator("#connection")).to_have_text("live", timeout=LIVE_MS)

            # The customer asks for a person while the agent watches the queue.
            await customer.say(ASK_FOR_HUMAN)
            handoff = active_handoff_for(uow(stack), conversation_id=session_id)
            # Outside escalation.yml's business hours the handoff is a ticket, which agents
            # may claim too; the live relay starts once it is assigned either way.
            assert handoff is not None and handoff.state in ("queued", "ticket")
            row = page.get_by_role("row").filter(
                has=page.get_by_role("cell", name=f"H-{handoff.id}", exact=True)
            )
            if handoff.state == "ticket":
                # Tickets are not live (bot/channels/handoff.py): no queue_changed is pushed
                # for a new one, so the queue shows it on its next load.
                await page.reload()
            await expect()(row).to_have_count(1, timeout=LIVE_MS)
            await expect()(row.get_by_role("cell", name=handoff.state, exact=True)).to_be_visible()
            await page.screenshot(path=str(artifacts_dir() / "console-queue.png"), full_page=True)

            # Open and claim it; the customer hears that the agent joined.
            await row.get_by_role("button", name="Open").click()
            title = page.get_by_role("heading", name=re.compile(rf"^H-{handoff.id} · "))
            await expect()(title).to_have_text(re.compile(rf" · {handoff.state}$"))
            await page.get_by_role("button", name="Claim").click()
            await expect()(page.get_by_role("status")).to_have_text("claim: done")
            await expect()(title).to_have_text(re.compile(r" · assigned$"))
            joined = await next_message(customer, lambda m: "joined" in str(m.get("text")))
            assert joined["text"] == "Dana from our team joined the chat."

            # The customer's markup is text on the page, never an element.
            transcript = page.locator("#transcript")
            said = transcript.locator(".line.customer .text")
            await expect()(said.filter(has_text=ASK_FOR_HUMAN)).to_have_count(1)
            await expect()(said.get_by_text(XSS, exact=True)).to_be_visible()
            await expect()(transcript.locator("img")).to_have_count(0)
            await expect()(page.locator("img")).to_have_count(0)

            # A reply typed in the browser reaches the customer's socket live.
            await page.locator("#reply").fill(AGENT_REPLY)
            await page.get_by_role("button", name="Send").click()
            reply = await next_message(customer, lambda m: m.get("agent") is not None)
            assert reply == {"text": AGENT_REPLY, "agent": "Dana"}
            await expect()(page.get_by_role("status")).to_have_text("reply: done")
            await expect()(transcript.locator(".line.agent .text")).to_have_text([AGENT_REPLY])
            await expect()(page.locator("#reply")).to_have_value("")
            await page.screenshot(
                path=str(artifacts_dir() / "console-conversation.png"), full_page=True
            )

            # Hand the customer back to the bot: the handoff leaves the queue.
            await page.locator("#disposition").select_option("solved")
            await page.get_by_role("button", name="Hand back to bot").click()
            await expect()(page.get_by_role("status")).to_have_text("handback: done")
            await expect()(title).to_have_text(re.compile(r" · resolved$"))
            await expect()(row).to_have_count(0)
            back = await next_message(customer, lambda m: "handoff" in m)
            assert back["handoff"]["status"] == "bot"
        finally:
            await browser.close()

    assert dialogs == [] and errors == []
    assert active_handoff_for(uow(stack), conversation_id=session_id) is None
    events = stack.tracker(session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [XSS, ASK_FOR_HUMAN]
    agent_lines = [e["text"] for e in events if (e.get("metadata") or {}).get("agent")]
    assert agent_lines == [AGENT_REPLY]
