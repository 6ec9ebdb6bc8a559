"""A signed-in customer's footprint, made through the product itself (tests/e2e/test_privacy.py).

Why a helper of its own: the privacy test needs the same footprint twice (the customer to
erase and one who must stay untouched), and every piece of it comes through a real door:
the widget's socket.io (a chat, a handoff, a rating), the REST webhook (a chat, a message
the bot does not understand, which the event broker puts in the review inbox), the agents'
console (claim, a note, hand back) and `cim` (KPI refresh, privacy export/erase/purge).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.session_ids import SessionKeys
from bot.customer_tokens import sign_token
from bot.services.queue import active_handoff_for
from tests.e2e.stack import Stack
from tests.e2e.test_handoff import AgentBrowser, uow
from tests.e2e.test_socketio import REPLY_TIMEOUT, Customer

CIM = os.path.join(os.path.dirname(sys.executable), "cim")


@dataclass
class Footprint:
    """What one customer left: their conversations and every text they (or staff) wrote."""

    public_id: str
    socket_conversation: str = field(default_factory=lambda: uuid.uuid4().hex)
    rest_conversation: str = field(default_factory=lambda: uuid.uuid4().hex)
    said: list[str] = field(default_factory=list)
    note: str | None = None
    comment: str | None = None

    @property
    def conversations(self) -> list[str]:
        return [self.socket_conversation, self.rest_conversation]

    @property
    def texts(self) -> list[str]:
        """Everything written about them that must go with them."""
        return [*self.said, *(t for t in (self.note, self.comment) if t)]


def signed_footprint(stack: Stack, public_id: str, **texts: Any) -> Footprint:
    """A footprint whose widget conversation id is one the server issues to this customer:
    a signed-in customer holds (and so may rate) only such a conversation."""
    held = SessionKeys(stack.settings.token_secret).issue(public_id)
    return Footprint(public_id, socket_conversation=held, **texts)


def cim(stack: Stack, tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`cim` against the stack's store and tracker, with training files in a copy (`tmp`)."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.settings.database_url,
        "CIM_ENV": "test",
        "CIM_TOKEN_SECRET": stack.settings.token_secret,
        "CIM_TRACKER_DB": str(tmp / "tracker.db"),
        "CIM_TRAINING_ROOT": str(tmp / "training"),
    }
    done = subprocess.run(
        [CIM, *argv], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"cim {' '.join(argv)}: {done.stderr}"
    return done


async def socket_chat(stack: Stack, who: Footprint, agent: AgentBrowser | None) -> None:
    """A widget chat; with an agent, a handoff they claim, note and hand back, then a rating."""
    token = sign_token(who.public_id, secret=stack.settings.token_secret, ttl_seconds=600)
    conversation = who.socket_conversation
    async with Customer(stack, conversation, {"customer_token": token}) as customer:
        for text in who.said[:1]:
            assert await customer.say(text)
        if agent is None:
            return
        await customer.say(who.said[1])
        handoff = active_handoff_for(uow(stack), conversation_id=conversation)
        assert handoff is not None, "the customer asked for a person"
        for action, body in (
            ("claim", {}),
            ("notes", {"text": who.note}),
            ("handback", {"disposition": "solved"}),
        ):
            done = agent.act(handoff.id, action, **body)
            assert done.status_code == 200, (action, done.text)
        await rate(customer, conversation, 2, who.comment)


async def rate(customer: Customer, conversation: str, stars: int, comment: str | None) -> None:
    saved: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def arrived(data: Any) -> None:
        if not saved.done():
            saved.set_result(data)

    def refused(data: Any) -> None:
        if not saved.done():
            saved.set_exception(AssertionError(f"rating refused: {data}"))

    customer.client.on("rating_saved", arrived)
    customer.client.on("error", refused)
    body = {"session_id": conversation, "rating": stars, "comment": comment}
    await customer.client.emit("rating", body)
    assert (await asyncio.wait_for(saved, REPLY_TIMEOUT))["rating"] == stars


def rest_chat(stack: Stack, who: Footprint, texts: list[str]) -> None:
    """Turns over the REST webhook, signed in as the customer."""
    token = sign_token(who.public_id, secret=stack.settings.token_secret, ttl_seconds=600)
    for text in texts:
        stack.say(who.rest_conversation, text, {"customer_token": token})
