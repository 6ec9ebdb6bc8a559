"""Who a customer is and which conversations are theirs, in every table that links them.

A conversation id is Rasa's sender id, not a foreign key: a conversation belongs to a customer
because some row says so (the interaction log, a handoff, a rating, an NPS answer, a verified
session, a KPI fact, or the tracker's `customer_id` slot). Export and erasure must agree on
that set, so it is computed here, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.customer_data.locations import DataLocations, events_engine
from bot.kpis.facts import CUSTOMER_SLOT
from bot.kpis.schema import KpiConversation
from bot.kpis.sources import events_table
from bot.store.models import (
    ConversationRating,
    Handoff,
    Interaction,
    NpsResponse,
    Order,
    VerifiedSession,
)
from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

# Every store table with both a customer and a conversation column.
LINKING_TABLES: tuple[Any, ...] = (
    Interaction,
    Handoff,
    ConversationRating,
    NpsResponse,
    VerifiedSession,
    KpiConversation,
)


class UnknownCustomer(LookupError):
    """No customer has this public id (export, erasure and the CLI report it as such)."""


@dataclass(frozen=True)
class CustomerRef:
    id: int
    public_id: str
    email: str
    name: str
    phone: str | None
    # Read with the customer, so `identifiers_of` needs nothing else.
    order_numbers: tuple[str, ...] = ()


def session_of(uow: AbstractUnitOfWork) -> Session:
    """The footprint is read across every table at once, which the repositories (one per
    aggregate) do not offer; so it reads through the unit of work's own session."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError("customer data is read through an SqlAlchemyUnitOfWork")
    return uow.session


def find_customer(uow: AbstractUnitOfWork, *, public_id: str) -> CustomerRef | None:
    """The customer behind a public id (C0042), or None; call inside the `with` block."""
    customer = uow.customers.get_by_public_id(public_id=public_id.strip().upper())
    if customer is None:
        return None
    return CustomerRef(
        id=customer.id,
        public_id=customer.public_id,
        email=customer.email,
        name=f"{customer.first_name} {customer.last_name}",
        phone=customer.phone,
        order_numbers=tuple(order_numbers_of(uow, customer_id=customer.id)),
    )


def conversations_of(locations: DataLocations, *, customer_id: int) -> list[str]:
    """Every conversation id any store table or the tracker links to the customer, sorted."""
    found: set[str] = set()
    with locations.new_uow() as uow:
        session = session_of(uow)
        for model in LINKING_TABLES:
            query = sa.select(model.conversation_id).where(model.customer_id == customer_id)
            found.update(c for c in session.scalars(query.distinct()) if c)
    engine = events_engine(locations)
    if engine is not None:
        found.update(slot_conversations(engine, customer_id=customer_id))
    return sorted(found)


def slot_conversations(engine: Engine, *, customer_id: int) -> set[str]:
    """Conversations whose `customer_id` slot was set to this customer (the actions set it
    to the store's id as text). The events' JSON is `json.dumps`'s (Rasa's and ours), so a
    LIKE on the value finds the few rows; the decoded value decides."""
    e = events_table.c
    values = [
        f'%"value": "{customer_id}"%',
        f'%"value": {customer_id}}}%',
        f'%"value": {customer_id},%',
    ]
    query = sa.select(e.sender_id, e.data).where(
        e.type_name == "slot",
        e.action_name == CUSTOMER_SLOT,
        sa.or_(*(e.data.like(value) for value in values)),
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {sender for sender, data in rows if _slot_value(data) == str(customer_id)}


def _slot_value(data: str | None) -> str | None:
    try:
        value = json.loads(data or "{}").get("value")
    except (ValueError, AttributeError):
        return None
    return None if value is None else str(value)


def order_numbers_of(uow: AbstractUnitOfWork, *, customer_id: int) -> list[str]:
    query = sa.select(Order.number).where(Order.customer_id == customer_id).order_by(Order.number)
    return list(session_of(uow).scalars(query))


def identifiers_of(customer: CustomerRef) -> list[str]:
    """What an erasure must leave nowhere: public id, email, each name part, phone and the
    order numbers."""
    values = [customer.public_id, customer.email, *customer.name.split(), customer.phone]
    return sorted({v for v in [*values, *customer.order_numbers] if v})
