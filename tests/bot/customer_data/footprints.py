"""A customer's whole footprint, written as the product writes it.

Two conversations (the widget's `web` channel and Rasa's `rest`) saved by our tracker store
into the tracker database, the interaction log, a handoff claimed by an agent with a note, a
rating with a comment, an NPS answer, a verified session, a review-inbox item from the
handed-off conversation, and the KPI facts refreshed from all of it. Export, erasure and
retention tests seed two such customers and check each one's data stays their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import cast

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.customer_data.footprint import CustomerRef, find_customer, session_of
from bot.customer_data.locations import DataLocations
from bot.kpis.nps import NpsPolicy, SessionUnitOfWork, mark_asked, record_answer
from bot.kpis.refresh import refresh
from bot.services import queue
from bot.services.agents import create_agent
from bot.services.interactions import log_interaction
from bot.services.queue_agents import add_note, claim
from bot.services.ratings import record_rating
from bot.store.db import get_engine
from bot.store.models import Interaction, VerifiedSession
from bot.store.review_models import ReviewItem
from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork
from bot.trackers.store import CachedSQLTrackerStore
from tests.bot.services.queue_factories import ALWAYS_OPEN, PASSWORD, decision

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, order_status, human_handoff]
slots:
  customer_id:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "Hi!"}]
"""
)
EVERYONE = NpsPolicy(share_percent=100, every_days=1)
TOKEN = "tok.never-stored.signature"


@dataclass(frozen=True)
class Footprint:
    customer: CustomerRef
    web_conversation: str
    rest_conversation: str
    said: tuple[str, ...]  # the customer's messages
    bot_reply: str
    agent_name: str
    agent_reply: str
    note: str
    rating_comment: str
    nps_comment: str
    review_text: str
    handoff_id: int


def _events(footprint: Footprint, conversation: str, channel: str, at: float) -> list[Event]:
    first, second = (
        footprint.said if conversation == footprint.web_conversation else footprint.said[::-1]
    )
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(
            first,
            {"name": "order_status", "confidence": 0.9},
            timestamp=at + 1,
            input_channel=channel,
            metadata={"customer_token": TOKEN},
        ),
        SlotSet("customer_id", str(footprint.customer.id), timestamp=at + 1.5),
        BotUttered(footprint.bot_reply, timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 2),
        UserUttered(
            second,
            {"name": "human_handoff", "confidence": 0.8},
            timestamp=at + 3,
            input_channel=channel,
        ),
    ]
    if conversation == footprint.web_conversation:
        agent_says = BotUttered(footprint.agent_reply, metadata={"agent": footprint.agent_name})
        agent_says.timestamp = at + 4
        events.append(agent_says)
    return events


async def _save_transcripts(footprint: Footprint, tracker_url: str, at: float) -> None:
    store = CachedSQLTrackerStore(DOMAIN, host=tracker_url, cache_size=0)
    for conversation, channel in (
        (footprint.web_conversation, "web"),
        (footprint.rest_conversation, "rest"),
    ):
        tracker = await store.get_or_create_tracker(conversation, append_action_listen=False)
        tracker.update_with_events(
            _events(footprint, conversation, channel, at), DOMAIN, override_timestamp=False
        )
        await store.save(tracker)


def _plan(customer: CustomerRef, tag: str, agent_name: str) -> Footprint:
    suffix = uuid.uuid4().hex[:8]
    return Footprint(
        customer=customer,
        web_conversation=f"web-{tag}-{suffix}",
        rest_conversation=f"rest-{tag}-{suffix}",
        said=(f"where is my order, {tag}?", f"let me talk to a person about {tag}"),
        bot_reply=f"Your order is on its way, {customer.name}.",
        agent_name=agent_name,
        agent_reply=f"Hello {customer.name}, an agent here about {tag}.",
        note=f"note about {tag}: asked twice",
        rating_comment=f"rating comment {tag}",
        nps_comment=f"nps comment {tag}",
        review_text=f"review text {tag}",
        handoff_id=0,
    )


def _store_side(
    footprint: Footprint, uow: Callable[[], SqlAlchemyUnitOfWork], now: datetime
) -> int:
    """The store's rows; returns the handoff's id."""
    c = footprint.customer
    for conversation in (footprint.web_conversation, footprint.rest_conversation):
        log_interaction(
            uow(),
            conversation_id=conversation,
            customer_id=c.id,
            intent="order_status",
            interaction_type="informative",
            action="action_order_status",
            outcome="answered",
        )
    ticket = queue.enqueue(
        uow(),
        conversation_id=footprint.web_conversation,
        customer_id=c.id,
        decision=decision(),
        interaction_type="conflict",
        intent="human_handoff",
        now=now,
        policy=ALWAYS_OPEN,
    )
    staff = create_agent(
        uow(),
        username=f"agent{uuid.uuid4().hex[:6]}",
        password=PASSWORD,
        display_name=footprint.agent_name,
    )
    claim(uow(), handoff_id=ticket.handoff.id, agent_id=staff.id, now=now)
    add_note(uow(), handoff_id=ticket.handoff.id, agent_id=staff.id, body=footprint.note, now=now)
    record_rating(
        uow(),
        conversation_id=footprint.web_conversation,
        rating=2,
        comment=footprint.rating_comment,
        customer_public_id=c.public_id,
        now=now,
    )
    mark_asked(
        _nps(uow()),
        customer_id=c.id,
        conversation_id=footprint.web_conversation,
        now=now,
        policy=EVERYONE,
    )
    record_answer(
        _nps(uow()),
        customer_id=c.id,
        score=9,
        comment=footprint.nps_comment,
        now=now,
        policy=EVERYONE,
        conversation_id=footprint.web_conversation,
    )
    _verified_and_reviewed(footprint, uow(), ticket.handoff.id, now)
    return ticket.handoff.id


def _verified_and_reviewed(
    footprint: Footprint, uow: AbstractUnitOfWork, handoff: int, now: datetime
) -> None:
    with uow:
        uow.verified_sessions.replace(
            VerifiedSession(
                conversation_id=footprint.rest_conversation,
                session_key=str(now.timestamp()),
                customer_id=footprint.customer.id,
                client_key="client-" + uuid.uuid4().hex[:8],
                verified_at=now,
                expires_at=now + timedelta(minutes=30),
            )
        )
        item = ReviewItem(
            key=footprint.review_text,
            text=footprint.review_text,
            source="handoff",
            sources=["handoff"],
            conversation_id=footprint.web_conversation,
            first_seen_at=now,
            last_seen_at=now,
        )
        uow.reviews.add(item)
        session_of(uow).flush()
        uow.reviews.mark_collected(kind="handoff", source_id=handoff, item_id=item.id)
        conversations = [footprint.web_conversation, footprint.rest_conversation]
        session_of(uow).execute(  # the log takes the clock's time; the footprint's is `now`
            sa.update(Interaction)
            .where(Interaction.conversation_id.in_(conversations))
            .values(created_at=now)
        )
        uow.commit()


async def make_footprint(
    locations: DataLocations,
    *,
    store_url: str,
    tracker_url: str,
    public_id: str,
    tag: str,
    agent_name: str = "Agent Smith",
    now: datetime | None = None,
) -> Footprint:
    """Write `public_id`'s footprint everywhere, every row and event at `now` (default: the
    clock's), then the KPI facts of it."""
    moment = now or datetime.now(timezone.utc).replace(microsecond=0)
    with locations.new_uow() as uow:
        customer = find_customer(uow, public_id=public_id)
    assert customer is not None
    footprint = _plan(customer, tag, agent_name)
    await _save_transcripts(footprint, tracker_url, moment.timestamp())
    handoff = _store_side(footprint, lambda: _sql(locations.new_uow()), moment)
    refresh(get_engine(store_url), locations.tracker_engine, full=True)
    return replace(footprint, handoff_id=handoff)


def _sql(uow: AbstractUnitOfWork) -> SqlAlchemyUnitOfWork:
    assert isinstance(uow, SqlAlchemyUnitOfWork)  # the NPS service needs its session
    return uow


def _nps(uow: SqlAlchemyUnitOfWork) -> SessionUnitOfWork:
    """The NPS service's protocol declares `session` settable, the unit of work's is a
    property: the same object, which mypy cannot see."""
    return cast(SessionUnitOfWork, uow)
