"""The widget in headless Chromium keeps a message Rasa lost mid-turn: Rasa dies while the
turn is running (its action server frozen, so the turn cannot end), comes back without the
message in the history (Rasa saves a turn only when it ends), and the widget sends it again.
The customer sees it once and gets an answer; the conversation holds it once. A message lost
on every try is marked "not delivered" for the customer to retry."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from typing import Any

from tests.browser import ChatPage, expect, open_chat_page
from tests.e2e.stack import Stack
from tests.e2e.test_widget_browser import DESKTOP, REPLY_MS, bot_bubbles, restart_rasa
from tests.waiting import until

MAX_SENDS = 3  # widget/src/outbox.js
QUESTION = "where is my order?"  # C0002's order status: a custom action, so a call to freeze
RECONNECT_MS = 90_000  # Rasa loads its model again, then the widget's backoff (up to 30 s)


class SocketFrames:
    """The widget's socket.io events both ways, from the websocket the page opens next."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.turn_started = asyncio.Event()

    def attach(self, chat: ChatPage) -> None:
        chat.page.on("websocket", self.watch)

    def watch(self, ws: Any) -> None:
        ws.on("framesent", lambda payload: self.sent.append(event_of(payload)))
        ws.on("framereceived", self.received)

    def received(self, payload: str | bytes) -> None:
        if event_of(payload) == ["typing", {"typing": True}]:  # the server began a turn
            self.turn_started.set()

    def messages(self) -> list[str]:
        return [
            str(event[1].get("message"))
            for event in self.sent
            if isinstance(event, list) and event[0] == "user_uttered"
        ]


def event_of(payload: str | bytes) -> Any:
    """A socket.io event frame `42[name, data]`, parsed; None for anything else."""
    if isinstance(payload, str) and payload.startswith("42"):
        return json.loads(payload[2:])
    return None


class LosingLink:
    """Routes the widget's websocket and loses its messages on the way while `losing`: to
    the widget each one went out, but the server never sees it."""

    def __init__(self) -> None:
        self.losing = True
        self.lost: list[str] = []
        self.links: list[tuple[Any, Any]] = []

    async def attach(self, chat: ChatPage) -> None:
        await chat.page.route_web_socket("**/socket.io/**", self.route)

    def route(self, page_side: Any) -> None:
        server_side = page_side.connect_to_server()
        self.links.append((page_side, server_side))

        def forward(payload: str | bytes) -> None:
            event = event_of(payload)
            if self.losing and isinstance(event, list) and event[0] == "user_uttered":
                self.lost.append(str(event[1]["message"]))
            else:
                server_side.send(payload)

        page_side.on_message(forward)

    async def wait_lost(self, count: int, timeout: float = REPLY_MS / 1000) -> None:
        await until(
            lambda: len(self.lost) >= count,
            timeout=timeout,
            what=lambda: f"{count} lost messages; lost {self.lost}",
        )

    async def cut(self) -> None:
        """Drop the connection the widget uses now: it reconnects and reads the history."""
        page_side, server_side = self.links[-1]
        await page_side.close()
        await server_side.close()


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone (Rasa, once killed)
        os.killpg(pid, sig)


async def test_a_message_cut_off_mid_turn_by_a_rasa_crash_is_resent_and_answered_once(
    stack: Stack,
) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0002", viewport=DESKTOP) as chat:
        frames = SocketFrames()
        frames.attach(chat)
        await chat.page.reload()  # a new socket, watched from its first frame
        await chat.wait_ready()
        await chat.open_chat()
        session_id = await chat.stored_session_id("C0002")
        rasa, actions = stack.supervisor.pid("rasa"), stack.supervisor.pid("actions")

        signal_group(actions, signal.SIGSTOP)
        try:
            await chat.say(QUESTION)
            await asyncio.wait_for(frames.turn_started.wait(), timeout=REPLY_MS / 1000)
            signal_group(rasa, signal.SIGSTOP)  # frozen mid-turn: no time-out can end it
            signal_group(actions, signal.SIGCONT)
            await asyncio.to_thread(restart_rasa, stack)  # SIGKILL, then start again
        finally:
            signal_group(actions, signal.SIGCONT)

        await expect()(bot_bubbles(chat).filter(has_text="#100004")).to_have_count(
            1, timeout=RECONNECT_MS
        )
        said = chat.log.locator(".cim-msg--user .cim-bubble").filter(has_text=QUESTION)
        await expect()(said).to_have_count(1)
        await expect()(chat.log.locator(".cim-msg[data-state]")).to_have_count(0)
        assert frames.messages() == [QUESTION, QUESTION]  # sent, then sent again once
        tracker = stack.tracker(session_id)
        kept = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert kept.count(QUESTION) == 1, kept

        await chat.page.reload()  # the server's history shows it once too
        await chat.wait_ready()
        await chat.open_chat()
        await expect()(said).to_have_count(1)
        await expect()(bot_bubbles(chat).filter(has_text="#100004")).to_have_count(1)
        chat.errors.clear()  # the browser logs the refused reconnection attempts


async def test_a_message_lost_on_every_try_is_marked_and_a_tap_sends_it_again(
    stack: Stack,
) -> None:
    async with open_chat_page(f"{stack.web_url}/?customer=C0002", viewport=DESKTOP) as chat:
        link = LosingLink()
        await link.attach(chat)
        await chat.page.reload()
        await chat.wait_ready()
        await chat.open_chat()
        session_id = await chat.stored_session_id("C0002")
        await chat.say(QUESTION)
        for tries in range(1, MAX_SENDS + 1):  # lost, then sent again after each reconnect
            await link.wait_lost(tries)
            await link.cut()

        retry = chat.page.get_by_role("button", name="Not delivered \u2014 tap to retry")
        await expect()(retry).to_be_visible(timeout=REPLY_MS)
        assert link.lost == [QUESTION] * MAX_SENDS
        said = chat.log.locator(".cim-msg--user .cim-bubble").filter(has_text=QUESTION)
        await expect()(said).to_have_count(1)
        await expect()(retry).to_have_attribute("aria-describedby", await said.get_attribute("id"))
        live = chat.page.locator(".cim-chat [aria-live=polite]")
        await expect()(live).to_have_text(f"Your message \u201c{QUESTION}\u201d was not delivered.")

        link.losing = False
        await retry.click()
        await expect()(bot_bubbles(chat).filter(has_text="#100004")).to_have_count(
            1, timeout=REPLY_MS
        )
        await expect()(retry).to_have_count(0)
        await expect()(said).to_have_count(1)
        kept = [e["text"] for e in stack.tracker(session_id)["events"] if e["event"] == "user"]
        assert kept.count(QUESTION) == 1, kept
