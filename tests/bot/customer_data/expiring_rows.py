"""Rows on both sides of every retention window: one just past it, one just inside it.

Each row's key says which side it is on (`old-…`, `fresh-…`), so a test can check that a purge
as of `now` took exactly the old ones. Times are relative to the policy's own windows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.customer_data.retention_policy import RetentionPolicy
from bot.kpis.schema import KpiConversation
from bot.kpis.sources import events_table
from bot.store.models import (
    Agent,
    ChatThrottle,
    ConsoleAccessEntry,
    ConsoleSession,
    ConversationRating,
    Customer,
    Handoff,
    HandoffNote,
    Interaction,
    NpsResponse,
    RetentionRun,
    VerifiedSession,
)
from bot.store.review_models import ReviewItem, ReviewSource

MARGIN = timedelta(hours=1)
SIDES = ("old", "fresh")


@dataclass(frozen=True)
class Clock:
    """When each side's rows are dated, per category."""

    policy: RetentionPolicy
    now: datetime

    def at(self, category: str, side: str) -> datetime:
        cutoff = self.now - self.policy.keep(category)
        return cutoff - MARGIN if side == "old" else cutoff + MARGIN


def seed_both_sides(factory: sessionmaker, tracker: Engine, clock: Clock) -> None:
    with factory() as session:
        customer = session.scalar(sa.select(Customer.id).order_by(Customer.id).limit(1))
        agent = Agent(username="retention", display_name="R", password_hash="x", role="agent")
        session.add(agent)
        session.flush()
        for side in SIDES:
            _store_rows(session, clock, side, customer, agent.id)
        session.commit()
    with tracker.begin() as connection:
        for side in SIDES:
            connection.execute(events_table.insert(), _events(clock, side))


def _store_rows(session: Session, clock: Clock, side: str, customer: int, agent: int) -> None:
    def at(category: str) -> datetime:
        return clock.at(category, side)

    key = f"{side}-key"
    session.add(
        Interaction(conversation_id=key, action="a", outcome="o", created_at=at("interaction_log"))
    )
    _handoff(session, key, at("handoffs"), agent)
    _review_item(session, key, at("review_inbox"))
    session.add(
        ConversationRating(conversation_id=key, rating=3, comment="c", created_at=at("ratings"))
    )
    session.add(
        NpsResponse(
            customer_id=customer, conversation_id=key, asked_at=at("ratings"), score=9, comment="n"
        )
    )
    stamp = at("verified_sessions")
    session.add(
        VerifiedSession(
            conversation_id=key,
            session_key=key,
            customer_id=customer,
            client_key="k",
            verified_at=stamp,
            expires_at=stamp,
        )
    )
    stamp = at("throttles")
    session.add(
        ChatThrottle(scope="verify", key=key, count=1, window_started_at=stamp, last_at=stamp)
    )
    stamp = at("console_sessions")
    session.add(ConsoleSession(token_hash=key, agent_id=agent, created_at=stamp, expires_at=stamp))
    session.add(
        ConsoleAccessEntry(
            actor="cli:test", action="view_customer", detail=key, at=at("access_trail")
        )
    )
    stamp = at("kpi_identities")
    session.add(
        KpiConversation(
            conversation_id=key,
            started_at=stamp,
            ended_at=stamp,
            day=stamp.date(),
            customer_id=customer,
            csat=4,
            csat_comment_redacted="comment",
        )
    )
    stamp = at("retention_runs")
    session.add(
        RetentionRun(
            as_of=stamp,
            started_at=stamp,
            finished_at=stamp,
            batch_size=1,
            policy=key,
            outcome="ok",
            removed=0,
            categories={},
        )
    )


def _handoff(session: Session, key: str, at: datetime, agent: int) -> None:
    handoff = Handoff(
        conversation_id=key, state="resolved", queued_at=at, created_at=at, updated_at=at
    )
    session.add(handoff)
    session.flush()
    session.add(HandoffNote(handoff_id=handoff.id, agent_id=agent, body=key, created_at=at))


def _review_item(session: Session, key: str, at: datetime) -> None:
    item = ReviewItem(
        key=key, text=key, source="handoff", sources=["handoff"], first_seen_at=at, last_seen_at=at
    )
    session.add(item)
    session.flush()
    session.add(ReviewSource(kind="handoff", source_id=item.id, item_id=item.id))


def _events(clock: Clock, side: str) -> list[dict[str, object]]:
    """Two events in a conversation; the fresh one started past the window but its last
    event is inside it, so the whole conversation stays."""
    first = clock.at("transcripts", "old").timestamp()
    last = clock.at("transcripts", side).timestamp()
    return [
        _event(f"{side}-key", "user", first),
        _event(f"{side}-key", "bot", last),
    ]


def _event(sender: str, type_name: str, timestamp: float) -> dict[str, object]:
    return {
        "sender_id": sender,
        "type_name": type_name,
        "timestamp": timestamp,
        "data": json.dumps({"event": type_name, "timestamp": timestamp}),
    }


# Where each category's rows are, and the column their key is in.
KEYS = {
    "interactions": "conversation_id",
    "handoffs": "conversation_id",
    "handoff_notes": "body",
    "review_items": "key",
    "conversation_ratings": "conversation_id",
    "nps_responses": "conversation_id",
    "verified_sessions": "session_key",
    "chat_throttles": "key",
    "console_sessions": "token_hash",
    "console_access_log": "detail",
    "retention_runs": "policy",
}


def keys_left(engine: Engine, table: str, column: str) -> set[str]:
    with engine.connect() as connection:
        found = connection.scalars(sa.text(f"SELECT {column} FROM {table}"))
        return {key for key in found if key and key.endswith("-key")}
