"""Shared by the browser tests: launching Debian's Chromium and driving the chat box."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SIGNED_SESSION = r"[0-9a-f]{32}-[0-9a-f]{24}"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_executable() -> str:
    path = os.environ.get("CIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Chromium is required for the browser test: `apt-get install -y chromium` "
            "(or set CIM_CHROMIUM to a Chromium binary)."
        )
    return path


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
    pongs: int = 0  # engine.io pongs the page sent: each one answers a server's ping

    def watch(self) -> ChatPage:
        self.page.on("dialog", lambda dialog: self.dialogs.append(dialog.message))
        self.page.on("websocket", self._socket)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(  # CSP violations and failed loads show up here
            "console", lambda m: self.errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("request", lambda r: self.polls.append(r.url) if "polling" in r.url else None)
        return self

    def _socket(self, ws: Any) -> None:
        self.sockets.append(ws.url)
        ws.on("framesent", self._count_pong)

    def _count_pong(self, payload: str | bytes) -> None:
        if payload == "3":  # engine.io v4: the server sends "2" (ping), the client "3"
            self.pongs += 1

    @property
    def log(self) -> Any:
        return self.page.get_by_role("log", name="Conversation")

    @property
    def input(self) -> Any:
        return self.page.get_by_label("Your message")

    async def open_chat(self) -> None:
        """Opens the panel; after a reload or navigation the widget may have reopened it
        itself (without taking the focus), so the test then moves to the input."""
        launcher = self.page.get_by_role("button", name="Chat with us")
        if await launcher.get_attribute("aria-expanded") == "true":
            await self.input.focus()
        else:
            await launcher.click()
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

    async def stored_session_id(self, scope: str = "C0001") -> str:
        """The widget's session id: signed by the channel (bot/channels/session_ids.py)."""
        raw = await self.page.evaluate(f"() => localStorage.getItem('cim-chat:v2:{scope}')")
        session_id = json.loads(raw)["sessionId"]
        assert isinstance(session_id, str) and re.fullmatch(SIGNED_SESSION, session_id)
        return str(session_id)

    async def wait_ready(self) -> None:
        """The widget is connected and has shown the conversation (history included)."""
        await expect()(self.page.locator(".cim-chat[data-ready=true]")).to_have_count(1)


def expect() -> Any:
    from playwright.async_api import expect as playwright_expect

    return playwright_expect


@asynccontextmanager
async def open_chat_page(
    url: str, *, viewport: dict[str, int] | None = None, ignore_https_errors: bool = False
) -> AsyncIterator[ChatPage]:
    """A fresh Chromium (new temporary profile) on `url`; fails on dialogs and page errors.
    `ignore_https_errors`: accept a self-signed certificate (the production profile's)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("The browser test needs playwright: `pip install playwright==1.65.2`.")
    executable = chromium_executable()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                viewport=viewport,  # type: ignore[arg-type]
                ignore_https_errors=ignore_https_errors,
            )
            chat = ChatPage(await context.new_page()).watch()
            await chat.page.goto(url)
            yield chat
            assert chat.dialogs == [] and chat.errors == []
        finally:
            await browser.close()
