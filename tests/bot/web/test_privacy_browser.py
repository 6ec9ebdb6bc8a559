"""The widget's disclosure, "Download my chat" and "Delete my chat" in real headless Chromium.

The shop page (bot/web/shop.py) embeds the widget from the channel's server; behind the
channel, a stand-in for Rasa writes each turn into a real tracker database through our own
tracker store (and sets the `customer_id` slot when the token names a customer, as our actions
do), so the download reads and the deletion erases real `events` rows.
Needs Debian's Chromium and playwright, as tests/bot/web/test_chat_browser.py does.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.channels.session_ids import owner_from_metadata
from bot.customer_data.locations import DataLocations
from bot.kpis.sources import events_table
from bot.services.customers import find_customer_by_public_id
from bot.settings import Settings
from bot.store.db import get_engine
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from bot.trackers.store import CachedSQLTrackerStore
from bot.web.shop import create_app
from tests.browser import ChatPage, artifacts_dir, expect, open_chat_page
from tools.seed.databases import seeded_database

pytestmark = pytest.mark.apt  # Debian's Chromium: `make test-deps`
SECRET = "privacy-browser-secret-0123456789"
NOTICE = "https://shop.example/privacy"
Sanic.test_mode = True


@dataclass
class TrackerRasa:
    """Answers "echo: <text>", writing the turn through our SQL tracker store."""

    store: CachedSQLTrackerStore
    locations: DataLocations
    identifies: bool = True  # False: no action found the customer (no row links the chat)

    async def __call__(self, message: UserMessage) -> None:
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "greet"}, metadata=message.metadata))
        customer = await asyncio.to_thread(self._identified, message.metadata or {})
        if customer is not None and self.identifies:
            tracker.update(SlotSet("customer_id", str(customer)))
        text = f"echo: {message.text}"
        tracker.update(BotUttered(text))
        await self.store.save(tracker)
        await message.output_channel.send_text_message(message.sender_id, text)

    def _identified(self, metadata: dict[str, Any]) -> int | None:
        public_id = owner_from_metadata(metadata, SECRET)
        if public_id is None:
            return None
        found = find_customer_by_public_id(self.locations.new_uow(), public_id=public_id)
        return found.id if found is not None else None

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        tracker = await self.store.retrieve(conversation_id)
        if tracker is None:
            return [], {}
        return [event.as_dict() for event in tracker.events], {}


@dataclass
class Stack:
    shop_url: str
    tracker: Engine
    rasa: TrackerRasa


def loopback_socket() -> socket.socket:
    """A listening socket on a free port (Sanic 21.12 turns port=0 into 8000)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)
    return sock


def stored(tracker: Engine, conversation: str) -> int:
    query = sa.select(sa.func.count()).where(events_table.c.sender_id == conversation)
    with tracker.connect() as connection:
        return int(connection.scalar(query) or 0)


@pytest.fixture
def locations(tmp_path: Path) -> Iterator[DataLocations]:
    tracker = get_engine(f"sqlite:///{tmp_path / 'trackers.db'}")
    SQLTrackerStore.SQLEvent.__table__.create(tracker, checkfirst=True)
    with seeded_database("sqlite", customers=5, orders=5) as factory:
        yield DataLocations(
            new_uow=lambda: SqlAlchemyUnitOfWork(factory),
            tracker_engine=tracker,
            data_dir=tmp_path / "data",
        )


@pytest.fixture
def notice() -> str:
    return NOTICE


@pytest.fixture
async def stack(locations: DataLocations, notice: str) -> AsyncIterator[Stack]:
    from bot.channels.web import WebChatInput

    assert locations.tracker_engine is not None
    url = str(locations.tracker_engine.url)
    rasa = TrackerRasa(CachedSQLTrackerStore(Domain.empty(), host=url), locations)
    channel = WebChatInput(
        cors_allowed_origins=[],
        token_secret=SECRET,
        conversations=rasa,  # type: ignore[arg-type]  # history() is all the channel asks here
        new_uow=locations.new_uow,
        data_locations=locations,
        privacy_notice_url=notice,
    )
    app = Sanic(f"privacy_browser_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/web")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    assert server is not None and server.server is not None
    await server.startup()
    await server.start_serving()
    rasa_url = f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}"
    runner = web.AppRunner(create_app(Settings(env="test", token_secret=SECRET, rasa_url=rasa_url)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    shop_port = runner.addresses[0][1]
    assert channel.cors_allowed_origins is not None
    channel.cors_allowed_origins.append(f"http://127.0.0.1:{shop_port}")  # the shop's origin
    yield Stack(f"http://127.0.0.1:{shop_port}", locations.tracker_engine, rasa)
    await runner.cleanup()
    await channel.close_sockets()
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


def my_chat_buttons(chat: ChatPage) -> tuple[Any, Any]:
    page = chat.page
    return (
        page.get_by_role("button", name="Download my chat"),
        page.get_by_role("button", name="Delete my chat"),
    )


async def test_a_new_chat_says_who_answers_and_links_the_privacy_notice(stack: Stack) -> None:
    async with open_chat_page(f"{stack.shop_url}/") as chat:  # an anonymous visitor
        await chat.open_chat()
        await chat.wait_ready()

        disclosure = chat.log.locator(".cim-disclosure")
        await expect()(disclosure).to_contain_text("automated assistant")
        await expect()(disclosure).to_contain_text("person from our team can take over")
        link = chat.page.get_by_role("link", name="How we use your data")
        await expect()(link).to_have_attribute("href", NOTICE)
        await chat.log.focus()
        await chat.page.keyboard.press("Tab")
        await expect()(link).to_be_focused()  # keyboard-reachable, first in the conversation
        assert await chat.log.locator(".cim-msg .cim-disclosure").count() == 0  # not a message

        download, delete = my_chat_buttons(chat)
        await expect()(download).to_be_hidden()
        await expect()(delete).to_be_hidden()


@pytest.mark.parametrize("notice", [""])
async def test_without_a_configured_notice_there_is_no_link(stack: Stack) -> None:
    async with open_chat_page(f"{stack.shop_url}/?customer=C0001") as chat:
        await chat.open_chat()
        await chat.wait_ready()

        await expect()(chat.log.locator(".cim-disclosure")).to_contain_text("automated assistant")
        assert await chat.log.locator(".cim-disclosure a").count() == 0


async def test_a_signed_in_customer_downloads_then_deletes_their_chat(stack: Stack) -> None:
    async with open_chat_page(f"{stack.shop_url}/?customer=C0001") as chat:
        await chat.open_chat()
        await chat.say("Where is my order?")
        await chat.expect_bot("echo: Where is my order?")
        marias = await chat.stored_session_id()
        download, delete = my_chat_buttons(chat)
        await expect()(download).to_be_visible()

        async with chat.page.expect_download() as downloading:
            await download.click()
        saved = await (await downloading.value).path()
        text = Path(saved).read_text()
        assert "You: Where is my order?" in text and "Assistant: echo: Where is my order?" in text
        assert "v1." not in text  # no token in the transcript

        await delete.click()
        question = chat.page.get_by_role("alertdialog")
        await expect()(question).to_contain_text("cannot be undone")
        await expect()(question.get_by_role("button", name="Cancel")).to_be_focused()
        await question.get_by_role("button", name="Cancel").click()
        await expect()(question).to_be_hidden()
        assert stored(stack.tracker, marias) > 0  # asked, not done

        await delete.click()
        await question.get_by_role("button", name="Delete", exact=True).click()
        await expect()(chat.page.get_by_role("alert")).to_contain_text("conversation was deleted")
        await expect()(chat.log).not_to_contain_text("Where is my order?")
        assert stored(stack.tracker, marias) == 0
        await chat.page.screenshot(path=str(artifacts_dir() / "chat-deleted.png"))

        await chat.page.reload()
        await chat.open_chat()
        await chat.wait_ready()
        await expect()(chat.log.locator(".cim-disclosure")).to_have_count(1)
        await expect()(chat.log).not_to_contain_text("Where is my order?")
        assert await chat.stored_session_id() != marias


async def test_a_chat_the_bot_never_identified_them_in_is_theirs_to_delete_too(
    stack: Stack,
) -> None:
    """No store row links a chat of plain answers to the customer; the session id the channel
    signed for them is the proof, so it is deleted as any other."""
    stack.rasa.identifies = False
    async with open_chat_page(f"{stack.shop_url}/?customer=C0001") as chat:
        await chat.open_chat()
        await chat.say("hello")
        await chat.expect_bot("echo: hello")
        marias = await chat.stored_session_id()
        _, delete = my_chat_buttons(chat)

        await delete.click()
        await chat.page.get_by_role("button", name="Delete", exact=True).click()

        await expect()(chat.page.get_by_role("alert")).to_contain_text("conversation was deleted")
        await expect()(chat.log).not_to_contain_text("echo: hello")
        assert stored(stack.tracker, marias) == 0
