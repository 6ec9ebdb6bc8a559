"""The chat box in real headless Chromium, against the real channel and the shop page.

Needs Debian's Chromium (`apt-get install -y chromium`) and the `playwright` package; its
own browser download does not work here, so the system browser is launched. Missing
either is a failure, not a skip: this is the only test of the JavaScript client.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.identity import verify_token
from bot.settings import Settings
from bot.web.shop import create_app

SECRET = "browser-test-secret-0123456789"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
XSS = "<img src=x onerror=alert(1)>"
Sanic.test_mode = True  # several Sanic apps in one process (see tests/bot/channels)


def chromium_executable() -> str:
    path = os.environ.get("CIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Chromium is required for the browser test: `apt-get install -y chromium` "
            "(or set CIM_CHROMIUM to a Chromium binary)."
        )
    return path


@dataclass
class EchoRasa:
    """Echoes each message with one quick reply, recording what reached 'Rasa'."""

    received: list[UserMessage] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        buttons = [{"title": "Track my order", "payload": "/order_status"}]
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"echo: {message.text}", buttons
        )


@dataclass
class Stack:
    shop_url: str
    rasa: EchoRasa
    channel: Any


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    from bot.channels.web import WebChatInput

    rasa = EchoRasa()
    app = Sanic(f"browser_test_{uuid.uuid4().hex}")
    # The shop is on another origin, as in production (:8000 vs :5005).
    channel = WebChatInput(cors_allowed_origins=["http://127.0.0.1", "http://localhost"])
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/web")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.start_serving()
    rasa_url = f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}"
    channel.sio.eio.ping_interval, channel.sio.eio.ping_timeout = 1, 1  # exercise pongs

    settings = Settings(env="test", token_secret=SECRET, rasa_url=rasa_url)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    shop_port = runner.addresses[0][1]
    channel.cors_allowed_origins.append(f"http://127.0.0.1:{shop_port}")
    yield Stack(f"http://127.0.0.1:{shop_port}", rasa, channel)
    await runner.cleanup()
    for engine_socket in list(channel.sio.eio.sockets.values()):
        await engine_socket.close(wait=False)
    await channel.sio.shutdown()
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


def loopback_socket() -> socket.socket:
    """A listening socket on a free port (Sanic 21.12 turns port=0 into 8000)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)
    return sock


def artifacts_dir() -> Path:
    path = Path(os.environ.get("CIM_ARTIFACTS_DIR", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class ChatPage:
    """The shop page in Chromium, with what the test watches: dialogs, sockets, errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self) -> ChatPage:
        self.page.on("dialog", lambda dialog: self.dialogs.append(dialog.message))
        self.page.on("websocket", lambda ws: self.sockets.append(ws.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(  # CSP violations and failed loads show up here
            "console", lambda m: self.errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("request", lambda r: self.polls.append(r.url) if "polling" in r.url else None)
        return self

    @property
    def log(self) -> Any:
        return self.page.get_by_role("log", name="Conversation")

    @property
    def input(self) -> Any:
        return self.page.get_by_label("Your message")

    async def open_chat(self) -> None:
        await self.page.get_by_role("button", name="Chat with us").click()
        await expect()(
            self.page.get_by_role("dialog", name="Trailhead Outfitters help")
        ).to_be_visible()
        await expect()(self.input).to_be_focused()

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")

    async def expect_bot(self, text: str, timeout: float = 5000) -> None:
        bubble = self.log.locator(".cim-msg--bot .cim-bubble").last
        await expect()(bubble).to_have_text(text, timeout=timeout)

    async def expect_user(self, text: str) -> None:
        await expect()(self.log.locator(".cim-msg--user .cim-bubble").last).to_have_text(text)

    async def stored_session_id(self) -> str:
        raw = await self.page.evaluate("() => localStorage.getItem('cim-chat:v1:C0001')")
        session_id = json.loads(raw)["sessionId"]
        assert isinstance(session_id, str) and len(session_id) == 32
        return str(session_id)


def expect() -> Any:
    from playwright.async_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture
async def chat(stack: Stack) -> AsyncIterator[ChatPage]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("The browser test needs playwright: `pip install playwright==1.65.2`.")
    executable = chromium_executable()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context()).new_page()
            chat = ChatPage(page).watch()
            await page.goto(f"{stack.shop_url}/?customer=C0001")
            yield chat
            assert chat.dialogs == [] and chat.errors == []
        finally:
            await browser.close()


async def test_a_customer_chats_and_a_reload_continues_the_conversation(
    stack: Stack, chat: ChatPage
) -> None:
    await chat.open_chat()
    await expect()(chat.log).to_contain_text("Hi Maria!")

    await chat.say("Where is my order?")
    await chat.expect_bot("echo: Where is my order?")
    claims = verify_token(stack.rasa.received[0].metadata["customer_token"], secret=SECRET)
    assert claims is not None and claims.subject == "C0001"

    await chat.page.get_by_role("button", name="Track my order").click()
    await chat.expect_user("Track my order")
    await chat.expect_bot("echo: /order_status")
    assert stack.rasa.received[-1].text == "/order_status"

    await chat.say(XSS)
    await chat.expect_bot(f"echo: {XSS}")
    await chat.expect_user(XSS)
    assert await chat.page.locator(".cim-chat img").count() == 0

    session_id = await chat.stored_session_id()
    messages = await chat.log.locator(".cim-msg").count()
    await chat.page.reload()
    await chat.open_chat()
    await expect()(chat.log.locator(".cim-msg")).to_have_count(messages)
    await chat.say("Still there after a reload?")
    await chat.expect_bot("echo: Still there after a reload?")

    assert await chat.stored_session_id() == session_id
    assert {m.sender_id for m in stack.rasa.received} == {session_id}
    assert chat.polls == [] and all("transport=websocket" in url for url in chat.sockets)
    await chat.page.screenshot(path=str(artifacts_dir() / "chat-browser.png"))


async def test_empty_input_is_not_sent_and_a_long_paste_is_cut_visibly(
    stack: Stack, chat: ChatPage
) -> None:
    await chat.open_chat()
    await chat.say("hello")
    await chat.expect_bot("echo: hello")

    await chat.say("   ")
    await chat.input.fill("x" * 2500)

    await expect()(chat.page.get_by_role("alert")).to_contain_text("cut to 2000 characters")
    assert len(await chat.input.input_value()) == 2000
    await chat.input.press("Enter")
    await chat.expect_bot("echo: " + "x" * 2000)
    assert [len(m.text) for m in stack.rasa.received] == [5, 2000]
    await chat.page.screenshot(path=str(artifacts_dir() / "chat-long-paste.png"))


async def test_only_http_links_become_anchors(stack: Stack, chat: ChatPage) -> None:
    await chat.open_chat()

    await chat.say(
        "see http://127.0.0.1:9/help. or javascript:alert(1) or data:text/html,<b>x</b> "
        "or https://127.0.0.1:9/a?b=1&c=<i>"
    )

    bot = chat.log.locator(".cim-msg--bot").last
    await expect()(bot).to_contain_text("echo: see http://127.0.0.1:9/help.")
    hrefs = await bot.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["http://127.0.0.1:9/help", "https://127.0.0.1:9/a?b=1&c="]
    assert await bot.locator("a").first.get_attribute("rel") == "noopener noreferrer nofollow"
    assert await chat.log.locator("b, i, img").count() == 0


async def test_the_connection_answers_pings_and_comes_back_after_a_drop(
    stack: Stack, chat: ChatPage
) -> None:
    await chat.open_chat()
    await chat.say("hello")
    await chat.expect_bot("echo: hello")
    await asyncio.sleep(2.5)  # a few ping/pong rounds at a 1 s interval
    assert len(chat.sockets) == 1, f"the socket was reopened: {chat.sockets}"

    await asyncio.gather(*(stack.channel.sio.disconnect(sid) for sid in connected(stack)))
    await wait_until(lambda: len(chat.sockets) == 2 and bool(connected(stack)))
    await chat.say("And after a reconnect?")

    await chat.expect_bot("echo: And after a reconnect?", timeout=10_000)
    assert len({m.sender_id for m in stack.rasa.received}) == 1


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def connected(stack: Stack) -> list[str]:
    """Socket.IO sids of the connected clients (the manager yields (sid, eio_sid) pairs)."""
    return [sid for sid, _ in stack.channel.sio.manager.get_participants("/", None)]
