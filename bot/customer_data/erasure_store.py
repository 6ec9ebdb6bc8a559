"""The store's part of an erasure: which rows go, which are anonymised, and why.

Everything here runs inside the caller's one store transaction (a `Session` from the unit of
work) and returns the rows it touched per table, for the receipt.

Why a conversation's source rows are deleted rather than anonymised in place: the KPI facts
(`kpi_conversations`) are derived from the interaction log, the handoffs and the tracker's
events, and the refresh derives a conversation again whenever any of those rows name it. A
kept handoff or log line under the old id would bring the old id (and the customer) back; under
a new id it would add a conversation, or replace the kept fact by a poorer one (no events). So
the sources go, and the fact row stays, under a random id with no customer, which no source
row names: a full refresh (`cim kpis refresh --full`) leaves it alone and the totals hold.
Ratings and NPS answers carry no time the refresh dates a conversation by, so they are kept,
anonymised, as the brief asks: a rating under another random id, an NPS answer with no
conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.customer_data.erasure_inbox import inbox_traces
from bot.kpis.refresh import rebuild_rollup
from bot.kpis.schema import KpiConversation
from bot.services.throttles import hashed_key
from bot.store.models import (
    ChatThrottle,
    ConversationRating,
    Customer,
    Handoff,
    HandoffNote,
    Interaction,
    NpsResponse,
    Order,
    Refund,
    VerifiedSession,
)
from bot.store.review_models import ReviewItem, ReviewSource

BATCH = 500
ERASURE_TIMEOUT_MS = 300_000  # one statement of an erasure may take up to 5 minutes
LABELLED_STATES = ("labelled", "out_of_scope")
ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: can never reach anyone

# What happens in each place, for the receipt (`Receipt.how`).
HOW = {
    "customers": "anonymised: name, email and phone cleared, public id replaced by the erased id",
    "orders": "anonymised: ship-to name, street, city, postcode and tracking number cleared",
    "refunds": "anonymised: the customer's reason cleared",
    "interactions": "deleted",
    "handoffs": "deleted (with their notes)",
    "handoff_notes": "deleted",
    "review_sources": "deleted (the collection marks of the deleted handoffs)",
    "conversation_ratings": "anonymised: comment and customer cleared, conversation id random",
    "nps_responses": "anonymised: comment and conversation cleared",
    "verified_sessions": "deleted",
    "chat_throttles": "deleted (counters keyed by their email, conversations or clients)",
    "review_items": "deleted (inbox items from their conversations); notes and comments of"
    " theirs merged into other items removed",
    "training_runs": "their labelled texts in the retraining record replaced by [erased]",
    "kpi_conversations": "pseudonymised: customer and CSAT comment cleared, conversation id random",
    "events": "deleted (the tracker's rows of their conversations)",
}
# What is kept on purpose, and why (`Receipt.kept`).
KEPT = {
    "orders": "number, items, amounts, status, dates, carrier and country: the shop's accounts",
    "refunds": "amount and status: the shop's accounts",
    "loyalty_accounts": "points and tier, on the anonymised customer row: a liability in the books",
    "kpi_conversations": "one row per conversation with its counts, so KPI totals stay correct",
    "conversation_ratings": "the 1-5 rating, with no customer, comment or conversation",
    "nps_responses": "the 0-10 score, with no comment or conversation",
    "console_access_log": "the access trail; its rows hold ids only (agent, customer number)",
}
CONVERSATION_KEPT = ("kpi_conversations", "conversation_ratings", "nps_responses")


def allow_long_statements(connection: Connection) -> None:
    """An erasure scans and rewrites more than a chat turn does (the events table for an
    email, a KPI rollup's days): on PostgreSQL its transaction gets ERASURE_TIMEOUT instead
    of the store's per-statement bound for turns (CIM_DB_STATEMENT_TIMEOUT_MS, 2 s), which
    `SET LOCAL` lifts for this transaction only. SQLite has no statement bound."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SET LOCAL statement_timeout = {ERASURE_TIMEOUT_MS}"))


def chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), BATCH):
        yield list(values[start : start + BATCH])


def random_id(prefix: str = "erased-") -> str:
    """A replacement identifier: random, so nothing can map it back."""
    return prefix + uuid.uuid4().hex


def anonymise_customer(
    session: Session, *, customer_id: int, public_id: str, erased_id: str
) -> int:
    """1 when this transaction anonymised the row, 0 when another erasure got there first
    (the row no longer has `public_id`): the UPDATE's row lock serialises two erasures."""
    result = session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id, Customer.public_id == public_id)
        .values(
            public_id=erased_id,
            first_name="",
            last_name="",
            email=f"{erased_id.lower()}@{ERASED_EMAIL_DOMAIN}",
            phone=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def anonymise_orders(session: Session, *, customer_id: int) -> dict[str, int]:
    orders = sa.select(Order.id).where(Order.customer_id == customer_id)
    cleared = {
        "ship_to_name": "",
        "ship_to_line1": "",
        "ship_to_city": "",
        "ship_to_postcode": "",
        "tracking_number": None,
    }
    return {
        "orders": _update(session, Order, Order.customer_id == customer_id, cleared),
        "refunds": _update(
            session,
            Refund,
            sa.and_(Refund.order_id.in_(orders), Refund.reason != ""),
            {"reason": ""},
        ),
    }


def customer_rows(
    session: Session, *, customer_id: int, throttle_keys: Iterable[str]
) -> dict[str, int]:
    """Rows linked to the customer outside any conversation (the conversations' own rows
    went with `conversation_rows`)."""
    nps = sa.and_(
        NpsResponse.customer_id == customer_id,
        sa.or_(NpsResponse.comment.is_not(None), NpsResponse.conversation_id.is_not(None)),
    )
    return {
        "interactions": _delete(session, Interaction, Interaction.customer_id == customer_id),
        "nps_responses": _update(
            session, NpsResponse, nps, {"comment": None, "conversation_id": None}
        ),
        "verified_sessions": _delete(
            session, VerifiedSession, VerifiedSession.customer_id == customer_id
        ),
        "chat_throttles": _delete(
            session, ChatThrottle, ChatThrottle.key.in_(sorted(set(throttle_keys)))
        ),
    }


def client_keys(session: Session, *, customer_id: int) -> list[str]:
    """The (already hashed) client keys of the customer's verifications: their browsers'
    throttle counters are keyed by the same hash."""
    query = sa.select(VerifiedSession.client_key).where(VerifiedSession.customer_id == customer_id)
    return list(session.scalars(query.distinct()))


def throttle_keys(values: Iterable[str], *, secret: str) -> set[str]:
    return {hashed_key(value, secret=secret) for value in values}


def labelled_texts(session: Session, conversations: Sequence[str]) -> list[str]:
    """Inbox items from these conversations that trainers labelled: their texts may be in
    the training data."""
    texts: list[str] = []
    for batch in chunks(conversations):
        query = sa.select(ReviewItem.text).where(
            ReviewItem.conversation_id.in_(batch), ReviewItem.state.in_(LABELLED_STATES)
        )
        texts += list(session.scalars(query))
    return texts


def conversation_rows(
    session: Session, conversations: Sequence[str], *, secret: str
) -> dict[str, int]:
    """Every store row of these conversations deleted or anonymised (see the module
    docstring), and the KPI rollup rebuilt for the days their facts fall on."""
    counts: dict[str, int] = {}
    days: set[date] = set()  # the rollup is rebuilt once, for every batch's days
    facts = sa.inspect(session.connection()).has_table(KpiConversation.__tablename__)
    for batch in chunks(conversations):
        for place, count in _conversation_batch(session, batch, secret=secret).items():
            counts[place] = counts.get(place, 0) + count
        if facts:  # else no KPI refresh ever ran on this store
            counts["kpi_conversations"] = counts.get("kpi_conversations", 0)
            counts["kpi_conversations"] += _pseudonymise_facts(session, batch, days)
    if days:  # `identified` moves from known to anonymous; every other sum stays
        rebuild_rollup(session.connection(), days)
    return counts


def _conversation_batch(session: Session, batch: list[str], *, secret: str) -> dict[str, int]:
    handoffs = list(
        session.scalars(sa.select(Handoff.id).where(Handoff.conversation_id.in_(batch)))
    )
    counts = inbox_traces(session, batch, handoffs)  # before the rows that lead there go
    return counts | {
        "review_items": counts["review_items"]
        + _delete(session, ReviewItem, ReviewItem.conversation_id.in_(batch)),
        "interactions": _delete(session, Interaction, Interaction.conversation_id.in_(batch)),
        "handoff_notes": _delete(session, HandoffNote, HandoffNote.handoff_id.in_(handoffs)),
        "review_sources": _delete(
            session,
            ReviewSource,
            sa.and_(ReviewSource.kind == "handoff", ReviewSource.source_id.in_(handoffs)),
        ),
        "handoffs": _delete(session, Handoff, Handoff.id.in_(handoffs)),
        "conversation_ratings": _anonymise_ratings(session, batch),
        "nps_responses": _update(
            session,
            NpsResponse,
            NpsResponse.conversation_id.in_(batch),
            {"comment": None, "conversation_id": None},
        ),
        "verified_sessions": _delete(
            session, VerifiedSession, VerifiedSession.conversation_id.in_(batch)
        ),
        "chat_throttles": _delete(
            session, ChatThrottle, ChatThrottle.key.in_(sorted(throttle_keys(batch, secret=secret)))
        ),
    }


def _anonymise_ratings(session: Session, batch: list[str]) -> int:
    """Each rating under a random id of its own (the column is unique), never the id its
    KPI fact gets: a rating under the fact's id would make a refresh derive that fact again
    from the rating alone, and drop it."""
    table = ConversationRating.__table__
    query = sa.select(table.c.id).where(table.c.conversation_id.in_(batch))
    ids = list(session.scalars(query))
    cleared = {"customer_id": None, "comment": None}
    return _renamed(session, table, ids, cleared)


def _pseudonymise_facts(session: Session, batch: list[str], days: set[date]) -> int:
    """The facts renamed; the days they fall on added to `days`."""
    table = KpiConversation.__table__
    rows = session.execute(
        sa.select(table.c.id, table.c.day).where(table.c.conversation_id.in_(batch))
    ).all()
    days.update(day for _fact, day in rows)
    cleared = {"customer_id": None, "csat_comment_redacted": None}
    return _renamed(session, table, [fact for fact, _day in rows], cleared)


def _renamed(session: Session, table: Any, ids: list[int], cleared: dict[str, Any]) -> int:
    """Rows `ids` of `table` each under a new random conversation id, `cleared` set. The
    database draws the ids where it can (one UPDATE; 40,000 single-row updates of the heaviest
    seeded customer took 8 s), else one executemany with ids drawn here."""
    if not ids:
        return 0
    drawn = _random_id_sql(session.get_bind().dialect.name)
    if drawn is not None:
        values = {"conversation_id": drawn, **cleared}
        session.execute(table.update().where(table.c.id.in_(ids)).values(values))
        return len(ids)
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(conversation_id=sa.bindparam("new_id"), **cleared)
    )
    session.execute(statement, [{"row_id": i, "new_id": random_id()} for i in ids])
    return len(ids)


def _random_id_sql(dialect: str) -> Any:
    """`random_id()` in SQL, drawn per row from the database's strong random source."""
    prefix = sa.literal("erased-", sa.String)
    if dialect == "postgresql":  # gen_random_uuid: built in since PostgreSQL 13
        return prefix + sa.func.replace(sa.cast(sa.func.gen_random_uuid(), sa.String), "-", "")
    if dialect == "sqlite":
        return prefix + sa.func.lower(sa.func.hex(sa.func.randomblob(16)))
    return None


def _delete(session: Session, model: Any, condition: Any) -> int:
    statement = sa.delete(model).where(condition).execution_options(synchronize_session=False)
    return int(session.execute(statement).rowcount)


def _update(session: Session, model: Any, condition: Any, values: dict[str, Any]) -> int:
    statement = (
        sa.update(model)
        .where(condition)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount)
