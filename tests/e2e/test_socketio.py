"""The socket.io side of the channel, with a real python-socketio client and the real servers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import socketio

from bot.customer_tokens import sign_token
from tests.e2e.stack import Stack

REPLY_TIMEOUT = 30.0


class Customer:
    """A socket.io client speaking Rasa's web-chat protocol, collecting the bot's messages."""

    def __init__(self, stack: Stack, session_id: str, metadata: dict[str, Any] | None = None):
        self.stack, self.session_id, self.metadata = stack, session_id, metadata or {}
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.client.on("bot_uttered", self.inbox.put_nowait)
        self.client.on("session_confirm", self._confirm)

    async def _confirm(self, session_id: Any) -> None:
        if not self.confirmed.done():
            self.confirmed.set_result(session_id)

    async def __aenter__(self) -> Customer:
        # engineio 4.15's websocket client needs aiohttp>=3.10; Rasa pins 3.9.5, so poll here
        # (the browser tests cover the websocket transport).
        await self.client.connect(self.stack.rasa_url, transports=["polling"])
        await self.client.emit(
            "session_request", {"session_id": self.session_id, "customData": self.metadata}
        )
        assert await asyncio.wait_for(self.confirmed, REPLY_TIMEOUT) == self.session_id
        return self

    async def __aexit__(self, *_: object) -> None:
        # a polite disconnect waits ~30 s for the open long-poll; abort the transport instead
        await self.client.eio.disconnect(abort=True)

    async def say(self, text: str) -> str:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        first = await asyncio.wait_for(self.inbox.get(), REPLY_TIMEOUT)
        replies = [first]
        while True:  # the rest of this turn's messages arrive right after the first
            try:
                replies.append(await asyncio.wait_for(self.inbox.get(), 1.5))
            except asyncio.TimeoutError:
                return "\n".join(str(r.get("text", "")) for r in replies)


async def test_a_known_customer_over_socketio_gets_a_personal_answer(stack: Stack) -> None:
    token = sign_token("C0002", secret=stack.settings.token_secret, ttl_seconds=600)
    async with Customer(stack, uuid.uuid4().hex, {"customer_token": token}) as james:
        answer = await james.say("where is my order?")
    assert "#100004" in answer and "DHL" in answer


async def test_a_reconnecting_customer_continues_the_same_conversation(stack: Stack) -> None:
    session_id = uuid.uuid4().hex
    async with Customer(stack, session_id) as first_visit:
        asked = await first_visit.say("where is order 100002?")
    assert "email" in asked.lower()
    async with Customer(stack, session_id) as after_reload:
        answer = await after_reload.say("maria.garcia@example.com")
    assert "#100002" in answer
    events = stack.tracker(session_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        "where is order 100002?",
        "maria.garcia@example.com",
    ]
