"""The chat box in real headless Chromium, against the real channel and the shop page.

Needs Debian's Chromium (`apt-get install -y chromium`) and the `playwright` package; its
own browser download does not work here, so the system browser is launched. Missing
either is a failure, not a skip: this is the only test of the JavaScript client.
"""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from aiohttp import web
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sqlalchemy import select

from bot.customer_tokens import verify_token
from bot.services.ratings import rating_for
from bot.settings import Settings, get_settings
from bot.store.models import NpsResponse
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from bot.web.shop import create_app
from tests.browser import (
    ChatPage,
    artifacts_dir,
    expect,
    open_chat_page,
)
from tests.waiting import until
from tools.seed.databases import seeded_database

# Needs Debian's Chromium: `make test-deps` installs it; `make check` and test-unit leave it out.
pytestmark = pytest.mark.apt
SECRET = "browser-test-secret-0123456789"
XSS = "<img src=x onerror=alert(1)>"
Sanic.test_mode = True  # several Sanic apps in one process (see tests/bot/channels)


@dataclass
class EchoRasa:
    """Echoes each message with one quick reply, recording what reached 'Rasa' and keeping
    tracker-like events for the history (`Conversations`)."""

    received: list[UserMessage] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    delay: float = 0.0  # seconds "Rasa" thinks before answering

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delay)  # a slow "Rasa" on purpose: what the page shows meanwhile
        buttons = [{"title": "Track my order", "payload": "/order_status"}]
        text = f"echo: {message.text}"
        log = self.events.setdefault(message.sender_id, [])
        log.append({"event": "user", "text": message.text, "metadata": message.metadata})
        log.append({"event": "bot", "text": text, "data": {"buttons": buttons}})
        await message.output_channel.send_text_with_buttons(message.sender_id, text, buttons)

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return self.events.get(conversation_id, []), {}


@dataclass
class Stack:
    shop_url: str
    rasa: EchoRasa
    channel: Any
    ratings: SqlAlchemyUnitOfWork
    rasa_url: str = ""


@pytest.fixture(autouse=True)
def _no_nps_question(no_nps_question: None) -> None:
    """tests/conftest.py: nobody is asked the NPS question unless a test says so."""


@pytest.fixture
def ratings_store() -> Iterator[SqlAlchemyUnitOfWork]:
    with seeded_database("sqlite", customers=5, orders=5) as factory:
        yield SqlAlchemyUnitOfWork(factory)


@pytest.fixture
async def stack(ratings_store: SqlAlchemyUnitOfWork) -> AsyncIterator[Stack]:
    from bot.channels.web import WebChatInput

    rasa = EchoRasa()
    factory = ratings_store._session_factory
    app = Sanic(f"browser_test_{uuid.uuid4().hex}")
    # The shop is on another origin, as in production (:8000 vs :5005).
    channel = WebChatInput(
        cors_allowed_origins=["http://127.0.0.1", "http://localhost"],
        token_secret=SECRET,
        conversations=rasa,  # type: ignore[arg-type]  # history() is all the channel asks here
        new_uow=lambda: SqlAlchemyUnitOfWork(factory),
    )
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/web")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    assert server is not None and channel.sio is not None
    await server.startup()
    await server.start_serving()
    assert server.server is not None
    rasa_url = f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}"
    channel.sio.eio.ping_interval, channel.sio.eio.ping_timeout = 1, 1  # exercise pongs

    settings = Settings(env="test", token_secret=SECRET, rasa_url=rasa_url)
    shop = create_app(settings)
    shop.router.add_get("/embed.html", partial(embed_page, rasa_url))
    runner = web.AppRunner(shop)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    shop_port = runner.addresses[0][1]
    assert channel.cors_allowed_origins is not None
    channel.cors_allowed_origins.append(f"http://127.0.0.1:{shop_port}")
    yield Stack(f"http://127.0.0.1:{shop_port}", rasa, channel, ratings_store, rasa_url)
    await runner.cleanup()
    await channel.close_sockets()
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


async def embed_page(rasa_url: str, _: web.Request) -> web.Response:
    """A shop page with nothing but the script tag (no init call), in German."""
    page = (
        '<!doctype html><html lang="de"><head><link rel="icon" href="data:,"></head>'
        "<body><h1>Shop</h1>"
        f'<script src="{rasa_url}/webhooks/web/widget.js" data-position="left" '
        'data-accent="#ffdd00" data-welcome="Hallo!"></script></body></html>'
    )
    return web.Response(text=page, content_type="text/html")


def loopback_socket() -> socket.socket:
    """A listening socket on a free port (Sanic 21.12 turns port=0 into 8000)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)
    return sock


@pytest.fixture
async def chat(stack: Stack) -> AsyncIterator[ChatPage]:
    async with open_chat_page(f"{stack.shop_url}/?customer=C0001") as page:
        yield page


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
    pongs = chat.pongs
    await until(lambda: chat.pongs >= pongs + 2, timeout=10, what="two ping/pong rounds")
    assert len(chat.sockets) == 1, f"the socket was reopened: {chat.sockets}"

    await asyncio.gather(*(stack.channel.sio.disconnect(sid) for sid in connected(stack)))
    await until(
        lambda: len(chat.sockets) == 2 and bool(connected(stack)),
        timeout=10,
        what="the page to reconnect",
    )
    await chat.say("And after a reconnect?")

    await chat.expect_bot("echo: And after a reconnect?", timeout=10_000)
    assert len({m.sender_id for m in stack.rasa.received}) == 1


def connected(stack: Stack) -> list[str]:
    """Socket.IO sids of the connected clients (the manager yields (sid, eio_sid) pairs)."""
    return [sid for sid, _ in stack.channel.sio.manager.get_participants("/", None)]


async def test_a_message_while_closed_shows_an_unread_badge(stack: Stack, chat: ChatPage) -> None:
    await chat.open_chat()
    await chat.say("hello")
    await chat.expect_bot("echo: hello")
    session_id = await chat.stored_session_id()
    await chat.page.keyboard.press("Escape")
    launcher = chat.page.locator(".cim-launcher")
    await expect()(launcher).to_be_focused()

    await stack.channel.sio.emit(
        "bot_uttered", {"text": "Your parcel left the depot."}, room=session_id
    )

    await expect()(chat.page.locator(".cim-badge")).to_have_text("1")
    await expect()(launcher).to_have_attribute("aria-label", "Chat with us (1 unread message)")
    await chat.page.reload()  # the count survives navigation
    await expect()(chat.page.locator(".cim-badge")).to_have_text("1")
    await chat.open_chat()
    await expect()(chat.page.locator(".cim-badge")).to_be_hidden()


async def test_ending_the_chat_asks_for_a_rating_then_starts_afresh(
    stack: Stack, chat: ChatPage
) -> None:
    await chat.open_chat()
    await chat.say("hello")
    await chat.expect_bot("echo: hello")
    first = await chat.stored_session_id()

    await chat.page.get_by_role("button", name="End chat").click()
    await expect()(chat.page.get_by_label("1 \u2013 Very poor")).to_be_focused()
    await chat.page.keyboard.press("ArrowRight")  # radio buttons: arrows pick, keyboard only
    await chat.page.keyboard.press("ArrowRight")
    await expect()(chat.page.get_by_label("3 \u2013 OK")).to_be_checked()
    await chat.page.get_by_label("Anything to add?").fill("<b>fine</b>")
    await chat.page.get_by_role("button", name="Send rating").click()
    again = chat.page.get_by_role("button", name="Start a new conversation")
    await expect()(again).to_be_focused()
    saved = rating_for(stack.ratings, conversation_id=first)
    assert saved is not None and (saved.rating, saved.comment) == (3, "<b>fine</b>")
    assert saved.customer_id is not None  # Maria's token came with the session

    await again.click()
    await expect()(chat.input).to_be_focused()
    await chat.wait_ready()
    await expect()(chat.log.locator(".cim-msg--user")).to_have_count(0)
    await expect()(chat.log).to_contain_text("Hi Maria!")
    assert await chat.stored_session_id() != first


async def test_a_sampled_customer_is_asked_nps_after_rating(
    stack: Stack, chat: ChatPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "100")
    get_settings.cache_clear()
    await chat.open_chat()
    await chat.say("hello")
    await chat.expect_bot("echo: hello")
    await chat.page.get_by_role("button", name="End chat").click()
    await chat.page.locator("label[for=cim-rating-4]").click()
    await chat.page.get_by_role("button", name="Send rating").click()
    question = chat.page.get_by_role("group", name=re.compile("recommend us"))
    await expect()(question).to_be_visible()
    await expect()(question.get_by_role("button", name="0", exact=True)).to_be_focused()
    await question.get_by_role("button", name="9", exact=True).click()
    await expect()(chat.page.get_by_text("Thank you!", exact=True)).to_be_visible()
    with stack.ratings as uow:
        answers = uow.session.scalars(select(NpsResponse)).all()
        assert [answer.score for answer in answers] == [9]


async def test_the_script_tag_alone_shows_the_widget_with_its_data_options(stack: Stack) -> None:
    async with open_chat_page(f"{stack.shop_url}/embed.html") as chat:
        await chat.page.get_by_role("button", name="Chat mit uns").click()
        await expect()(chat.page.get_by_label("Ihre Nachricht")).to_be_focused()
        await chat.wait_ready()
        await expect()(chat.page.get_by_role("log")).to_contain_text("Hallo!")
        root = chat.page.locator(".cim-chat")
        await expect()(root).to_have_class("cim-chat cim-chat--left cim-chat--open")
        colours = await chat.page.locator(".cim-launcher").evaluate(
            "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
        )
        assert colours == ["rgb(255, 221, 0)", "rgb(17, 17, 17)"]  # dark text on yellow


async def test_the_offline_state_is_shown_and_the_widget_comes_back(
    stack: Stack, chat: ChatPage
) -> None:
    await chat.open_chat()
    await chat.wait_ready()
    server_down = True

    def websocket(route: Any) -> None:  # while "down", every new connection is refused
        if server_down:
            route.close()
        else:
            route.connect_to_server()

    await chat.page.route_web_socket(re.compile("socket.io"), websocket)
    await asyncio.gather(*(stack.channel.sio.disconnect(sid) for sid in connected(stack)))
    status = chat.page.locator(".cim-status")
    await expect()(status).to_contain_text("Offline. Reconnecting in")
    await chat.say("typed while offline")
    server_down = False
    await chat.expect_bot("echo: typed while offline", timeout=20_000)
    await expect()(status).to_be_hidden()
    assert [m.text for m in stack.rasa.received] == ["typed while offline"]


CONTRAST_JS = """els => els.map(el => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = el, color = getComputedStyle(el).backgroundColor;
  while (bg && (color === "rgba(0, 0, 0, 0)" || color === "transparent")) {
    bg = bg.parentElement; color = bg ? getComputedStyle(bg).backgroundColor : "rgb(255,255,255)";
  }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(color))].sort((x, y) => y - x);
  return [el.className, (a + 0.05) / (b + 0.05)];
})"""


async def test_typing_states_and_contrast(stack: Stack, chat: ChatPage) -> None:
    await chat.open_chat()
    await chat.wait_ready()
    stack.rasa.delay = 1.5
    await chat.say("are you there?")
    typing = chat.page.locator(".cim-typing")
    await expect()(typing).to_be_visible()
    await chat.expect_bot("echo: are you there?")
    await expect()(typing).to_be_hidden()

    session_id = await chat.stored_session_id()
    queued = {"status": "queued", "position": 3, "wait_minutes": 7}
    await stack.channel.sio.emit("chat_state", queued, room=session_id)
    banner = chat.page.locator(".cim-banner")
    await expect()(banner).to_have_text(
        "Waiting for a person: you are number 3 in the queue, about 7 min."
    )
    ticket = {"text": "We created ticket H-9.", "handoff": {"status": "ticket"}}
    await stack.channel.sio.emit("bot_uttered", ticket, room=session_id)
    await expect()(banner).to_have_text(
        "Outside business hours: we have created a ticket and will email you."
    )
    await chat.page.locator(".cim-input").fill("x" * 2001)  # the notice line too
    elements = chat.page.locator(
        ".cim-launcher, .cim-title, .cim-end, .cim-banner, .cim-notice, .cim-bubble, .cim-reply,"
        " .cim-author, .cim-send, .cim-disclosure-text, .cim-mychat-button, .cim-confirm-text"
    )
    ratios = await elements.evaluate_all(CONTRAST_JS)
    assert ratios and all(ratio >= 4.5 for _, ratio in ratios), ratios  # WCAG AA


async def test_the_server_sets_the_paste_limit(stack: Stack, chat: ChatPage) -> None:
    stack.channel.max_message_length = 40
    await chat.page.reload()
    await chat.wait_ready()
    await chat.open_chat()

    await chat.input.fill("y" * 100)

    await expect()(chat.page.get_by_role("alert")).to_contain_text("cut to 40 characters")
    assert await chat.input.input_value() == "y" * 40
