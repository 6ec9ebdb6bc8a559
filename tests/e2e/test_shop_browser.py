"""The demo shop in real Chromium, talking to the real Rasa and action servers."""

from __future__ import annotations

from tests.browser import artifacts_dir, expect, open_chat_page
from tests.e2e.stack import Stack

PHONE = {"width": 390, "height": 844}
REPLY_TIMEOUT_MS = 30_000


async def test_a_signed_in_customer_gets_a_personal_answer_in_the_browser(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0002") as chat:
        await chat.open_chat()
        await chat.say("where is my order?")
        bot = chat.log.locator(".cim-msg--bot .cim-bubble")
        await expect()(bot.filter(has_text="#100004")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
        await expect()(bot.filter(has_text="DHL")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
        await chat.page.screenshot(path=str(artifacts_dir() / "shop-desktop.png"))


async def test_an_anonymous_customer_is_asked_to_verify_on_a_phone(stack: Stack) -> None:
    async with open_chat_page(f"{stack.web_url}/", viewport=PHONE) as chat:
        await chat.open_chat()
        await chat.say("where is my order 100005?")
        bot = chat.log.locator(".cim-msg--bot .cim-bubble")
        asked = bot.filter(has_text="email address on your account")
        await expect()(asked).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
        await chat.say("james.smith@example.com")
        delivered = bot.filter(has_text="#100005")
        await expect()(delivered).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
        await chat.page.screenshot(path=str(artifacts_dir() / "shop-phone.png"))
