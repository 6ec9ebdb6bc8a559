"""The chat widget in headless Chromium against the real stack (Rasa, action server, shop):
an identified customer's personal answer and quick reply, history after a reload, a human
taking over live, the rating, keyboard-only use, an XSS attempt and a Rasa restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.services.queue import active_handoff_for
from bot.services.ratings import rating_for
from tests.browser import ChatPage, artifacts_dir, expect, open_chat_page
from tests.e2e.stack import MODEL, START_TIMEOUT, Stack
from tests.e2e.test_handoff import AgentBrowser, create_agent, uow
from tools.processes.stack import services

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
REPLY_MS = 30_000
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def screenshot_path(name: str) -> Path:
    """Stable paths kept as CI artifacts: test-artifacts/screenshots/widget-*.png."""
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def bot_bubbles(chat: ChatPage) -> Any:
    return chat.log.locator(".cim-msg--bot .cim-bubble")


async def test_a_customer_gets_a_personal_answer_clicks_a_reply_and_reloads(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0002", viewport=DESKTOP) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await expect()(chat.log).to_contain_text("Hi James!")
        await chat.say("where is my order?")
        bot = chat.log.locator(".cim-msg--bot .cim-bubble")
        await expect()(bot.filter(has_text="#100004")).to_have_count(1, timeout=REPLY_MS)

        await chat.say("what can you do?")
        await expect()(chat.log.locator(".cim-list li")).to_have_count(5, timeout=REPLY_MS)
        await chat.page.get_by_role("button", name="Return policy").click()
        await chat.expect_user("Return policy")
        await expect()(bot.filter(has_text="30 days")).to_have_count(1, timeout=REPLY_MS)
        await chat.page.screenshot(path=str(screenshot_path("widget-desktop.png")))

        shown = await chat.log.locator(".cim-msg").all_inner_texts()
        session_id = await chat.stored_session_id("C0002")
        await chat.page.reload()
        await chat.wait_ready()
        await chat.open_chat()
        assert await chat.log.locator(".cim-msg").all_inner_texts() == shown
        assert await chat.stored_session_id("C0002") == session_id
        tracker = stack.tracker(session_id)
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"][:2] == [
            "where is my order?",
            "what can you do?",
        ]


async def test_a_person_takes_over_live_and_the_rating_is_stored(stack: Stack) -> None:
    create_agent(stack, "wanda", "Wanda")
    async with open_chat_page(f"{stack.web_url}/?customer=C0001", viewport=PHONE) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await chat.say("I want to talk to a human")
        banner = chat.page.locator(".cim-banner")
        await expect()(banner).to_contain_text("in the queue", timeout=REPLY_MS)
        session_id = await chat.stored_session_id()
        handoff = active_handoff_for(uow(stack), conversation_id=session_id)
        assert handoff is not None and handoff.state == "queued"

        agent = AgentBrowser(stack, "wanda")
        assert agent.act(handoff.id, "claim").status_code == 200
        await expect()(banner).to_have_text("Wanda from our team has joined.", timeout=REPLY_MS)
        assert agent.act(handoff.id, "reply", text="Hi Maria, **Wanda** here.").status_code == 200
        said = chat.log.locator(".cim-msg--agent")
        await expect()(said.locator(".cim-bubble")).to_have_text(
            "Hi Maria, Wanda here.", timeout=REPLY_MS
        )
        await expect()(said.locator(".cim-author")).to_have_text("Wanda")
        await chat.page.screenshot(path=str(screenshot_path("widget-phone.png")))

        assert agent.act(handoff.id, "handback", disposition="solved").status_code == 200
        rating = chat.page.get_by_role("group", name="How was this conversation?")
        await expect()(rating).to_be_visible(timeout=REPLY_MS)
        await chat.page.locator("label[for=cim-rating-5]").click()  # the visible "5" box
        await expect()(chat.page.get_by_label("5 \u2013 Excellent")).to_be_checked()
        await chat.page.get_by_label("Anything to add?").fill("Wanda was great \U0001f44d")
        await chat.page.get_by_role("button", name="Send rating").click()
        await expect()(chat.page.get_by_text("Thank you for your feedback!")).to_be_visible()

    saved = rating_for(uow(stack), conversation_id=session_id)
    assert saved is not None and saved.rating == 5
    assert saved.comment == "Wanda was great \U0001f44d" and saved.customer_id is not None


async def test_the_widget_works_with_the_keyboard_alone(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0003", viewport=DESKTOP) as chat:
        await chat.wait_ready()
        page = chat.page
        for _ in range(12):  # through the shop's own controls to the launcher
            await page.keyboard.press("Tab")
            if await focused_class(chat) == "cim-launcher":
                break
        assert await focused_class(chat) == "cim-launcher"
        await page.keyboard.press("Enter")
        await expect()(chat.input).to_be_focused()
        await page.keyboard.type("what can you do?")
        await page.keyboard.press("Enter")
        await expect()(page.get_by_role("button", name="Return policy")).to_be_visible(
            timeout=REPLY_MS
        )
        for _ in range(6):  # back from the input to the suggested replies
            await page.keyboard.press("Shift+Tab")
            if await page.evaluate("document.activeElement.textContent") == "Return policy":
                break
        await page.keyboard.press("Enter")
        await expect()(chat.input).to_be_focused()
        await expect()(bot_bubbles(chat).filter(has_text="30 days")).to_have_count(
            1, timeout=REPLY_MS
        )
        await page.keyboard.press("Escape")
        await expect()(page.get_by_role("dialog")).to_be_hidden()
        assert await focused_class(chat) == "cim-launcher"
        live = await page.locator(".cim-chat [aria-live=polite]").text_content()
        assert live and "30 days" in live  # the last answer was announced


async def test_html_emoji_and_rtl_typed_by_a_customer_show_as_text(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/", viewport=DESKTOP) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await chat.say(XSS)
        await chat.expect_user(XSS)
        arabic = "مرحبا 👋 أين طلبي؟"  # Arabic, right to left, with an emoji
        await chat.say(arabic)
        await chat.expect_user(arabic)
        bubble = chat.log.locator(".cim-msg--user .cim-bubble").last
        assert await bubble.get_attribute("dir") == "auto"
        assert await bubble.evaluate("b => getComputedStyle(b).direction") == "rtl"
        # The welcome and an answer to each (two misunderstandings may add an offer of a person).
        await expect()(bot_bubbles(chat).nth(2)).to_be_visible(timeout=REPLY_MS)
        assert await chat.page.locator(".cim-chat img, .cim-chat script").count() == 0


async def test_the_widget_reconnects_after_rasa_restarts(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0002", viewport=DESKTOP) as chat:
        await chat.wait_ready()
        await chat.open_chat()
        await chat.say("what are your opening hours?")
        await expect()(bot_bubbles(chat)).to_have_count(2, timeout=REPLY_MS)
        before = await chat.log.locator(".cim-msg").count()

        await asyncio.to_thread(restart_rasa, stack)
        await expect()(chat.page.locator(".cim-chat[data-connection=open]")).to_have_count(
            1, timeout=60_000
        )
        await expect()(chat.log.locator(".cim-msg")).to_have_count(before)
        await chat.say("what is your return policy?")
        await expect()(bot_bubbles(chat).filter(has_text="30 days")).to_have_count(
            1, timeout=REPLY_MS
        )
        chat.errors.clear()  # the browser logs the refused reconnection attempts


def restart_rasa(stack: Stack) -> None:
    """Kill the Rasa server (a crash) and start it again on the same port and tracker store."""
    stack.supervisor.stop_one("rasa")
    tmp = stack.log.parent
    rasa = next(
        s
        for s in services(stack.settings, model=MODEL, ports=stack.ports, var_dir=tmp)
        if s.name == "rasa"
    )
    stack.supervisor.start(rasa)
    stack.supervisor.wait_ready(timeout=START_TIMEOUT)


async def focused_class(chat: ChatPage) -> str:
    return str(
        await chat.page.evaluate("document.activeElement && document.activeElement.className")
    )
