"""Finished handoffs and low ratings reach the inbox once, with what the agent and the
customer said about them, redacted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from sqlalchemy.orm import sessionmaker

from bot.inbox.collect import collect, last_customer_message
from bot.inbox.service import Names, list_groups
from bot.services import queue
from bot.services.agents import create_agent
from bot.store.models import ConversationRating
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import ALWAYS_OPEN, decision


def user(text: str, at: float) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at}


class Histories:
    def __init__(self, events: dict[str, list[dict[str, Any]]]) -> None:
        self.events = events

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return self.events.get(conversation_id, []), {}


def test_the_last_typed_message_before_a_moment() -> None:
    events = [
        user("first", 10),
        {"event": "bot", "text": "hm"},
        user("/affirm", 20),
        user("late", 99),
    ]
    moment = datetime.fromtimestamp(30, tz=timezone.utc)
    assert last_customer_message(events, before=moment) == "first"
    assert last_customer_message(events) == "late"
    assert last_customer_message([]) is None


async def test_handoffs_and_low_ratings_are_collected_once(factory: sessionmaker) -> None:
    new_uow = partial(UoW, factory)
    queued = queue.enqueue(
        new_uow(),
        conversation_id="conv-h",
        customer_id=None,
        decision=decision("conflict"),
        interaction_type="conflict",
        intent="complaint",
        policy=ALWAYS_OPEN,
    ).handoff
    agent = create_agent(
        new_uow(), username="alex", password="a long enough password", display_name="Al"
    )
    queue.claim(new_uow(), handoff_id=queued.id, agent_id=agent.id)
    queue.add_note(
        new_uow(),
        handoff_id=queued.id,
        agent_id=agent.id,
        body="Maria Lopez wanted a refund to 4111 1111 1111 1111",
    )
    queue.resolve(new_uow(), handoff_id=queued.id, agent_id=agent.id, disposition="not_solved")
    with new_uow() as uow:
        uow.ratings.add(ConversationRating(conversation_id="conv-r", rating=1, comment="useless"))
        uow.ratings.add(ConversationRating(conversation_id="conv-ok", rating=5))
        uow.commit()
    soon = (queued.created_at + timedelta(seconds=5)).timestamp()
    histories = Histories(
        {
            "conv-h": [user("my jacket fell apart, I'm Maria Lopez", soon - 10)],
            "conv-r": [user("cancel order 100004", 5), user("why won't you cancel it", 6)],
        }
    )
    names = Names(new_uow)

    assert await collect(new_uow, histories, names) == 2
    assert await collect(new_uow, histories, names) == 0  # once only

    items = {item.source: item for g in list_groups(new_uow()) for item in g.items}
    handoff = items["handoff"]
    assert handoff.text == "my jacket fell apart, I'm [NAME]"
    assert handoff.details["disposition"] == "not_solved"
    assert handoff.details["notes"] == "[NAME] wanted a refund to [CARD]"
    assert items["low_csat"].text == "why won't you cancel it"
    assert items["low_csat"].details == {"rating": 1, "comment": "useless"}
