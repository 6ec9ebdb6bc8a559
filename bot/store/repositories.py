"""Repositories: the queries the services need, one class per aggregate.

They take and return ORM objects inside one session and never commit; the unit of work
owns the transaction. Arguments are keyword-only so call sites read like sentences.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from bot.store.models import (
    ACTIVE_HANDOFF_STATES,
    Agent,
    Customer,
    Handoff,
    HandoffNote,
    Interaction,
    LoyaltyAccount,
    Order,
    OrderItem,
    Product,
    Refund,
)

# Text, not a select(): this runs before every customer turn, and SQLAlchemy's per-execution
# cache key and ORM set-up cost more than the query (bench/results/chat.md).
_HAS_ACTIVE = text(
    "SELECT 1 FROM handoffs WHERE conversation_id = :conversation_id AND state IN ("
    + ", ".join(f"'{state}'" for state in ACTIVE_HANDOFF_STATES)
    + ") LIMIT 1"
)


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


class CustomerRepository(_Repository):
    def get(self, *, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def get_by_public_id(self, *, public_id: str) -> Customer | None:
        return self.session.scalars(
            select(Customer).where(Customer.public_id == public_id)
        ).one_or_none()

    def get_by_email(self, *, email: str) -> Customer | None:
        """Emails are stored lower-case, so the lookup lower-cases too."""
        return self.session.scalars(
            select(Customer).where(Customer.email == email.strip().lower())
        ).one_or_none()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Customer)) or 0

    def add(self, customer: Customer) -> None:
        self.session.add(customer)


class OrderRepository(_Repository):
    def get_by_number(self, *, number: str) -> Order | None:
        return self.session.scalars(select(Order).where(Order.number == number)).one_or_none()

    def get_for_customer(
        self, *, customer_id: int, number: str, for_update: bool = False
    ) -> Order | None:
        """Scoped by customer, so nobody can read another customer's order by its number.

        `for_update` locks the row (PostgreSQL) so a status check and the change that
        depends on it cannot interleave with another writer.
        """
        query = select(Order).where(Order.number == number, Order.customer_id == customer_id)
        if for_update:
            query = query.with_for_update(of=Order)
        return self.session.scalars(query).one_or_none()

    def list_for_customer(
        self, *, customer_id: int, limit: int, statuses: Collection[str] | None = None
    ) -> Sequence[Order]:
        """Newest first; the id breaks ties so the order is stable."""
        query = select(Order).where(Order.customer_id == customer_id)
        if statuses is not None:
            query = query.where(Order.status.in_(list(statuses)))
        query = query.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)
        return self.session.scalars(query).all()

    def add(self, order: Order) -> None:
        self.session.add(order)


class ProductRepository(_Repository):
    def get_by_name(self, *, name: str) -> Product | None:
        """Case-insensitive exact match."""
        query = select(Product).where(func.lower(Product.name) == name.lower())
        return self.session.scalars(query).first()

    def search(self, *, text: str, limit: int) -> Sequence[Product]:
        """Names containing `text`, case-insensitively; LIKE wildcards in it are literal."""
        condition = func.lower(Product.name).contains(text.lower(), autoescape=True)
        query = select(Product).where(condition).order_by(Product.name).limit(limit)
        return self.session.scalars(query).all()

    def list_all(self) -> Sequence[Product]:
        return self.session.scalars(select(Product).order_by(Product.id)).all()

    def bought_by(self, *, customer_id: int) -> Sequence[Product]:
        """Products in the customer's orders, cancelled ones excluded."""
        query = (
            select(Product)
            .join(OrderItem, OrderItem.product_id == Product.id)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.customer_id == customer_id, Order.status != "cancelled")
            .distinct()
        )
        return self.session.scalars(query).all()

    def best_sellers(
        self,
        *,
        limit: int,
        categories: Collection[str] | None = None,
        exclude_ids: Collection[int] = (),
    ) -> Sequence[Product]:
        """In-stock products by units sold (cancelled orders excluded), then by name."""
        sold = (
            select(OrderItem.product_id, func.sum(OrderItem.quantity).label("units"))
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.status != "cancelled")
            .group_by(OrderItem.product_id)
            .subquery()
        )
        query = (
            select(Product)
            .outerjoin(sold, sold.c.product_id == Product.id)
            .where(Product.in_stock.is_(True))
            .order_by(func.coalesce(sold.c.units, 0).desc(), Product.name)
            .limit(limit)
        )
        if categories is not None:
            query = query.where(Product.category.in_(list(categories)))
        if exclude_ids:
            query = query.where(Product.id.not_in(list(exclude_ids)))
        return self.session.scalars(query).all()

    def add(self, product: Product) -> None:
        self.session.add(product)


class RefundRepository(_Repository):
    def list_for_customer(
        self, *, customer_id: int, order_number: str | None = None
    ) -> Sequence[Refund]:
        """Newest first."""
        query = select(Refund).join(Order, Order.id == Refund.order_id)
        query = query.where(Order.customer_id == customer_id)
        if order_number is not None:
            query = query.where(Order.number == order_number)
        query = query.order_by(Refund.created_at.desc(), Refund.id.desc())
        return self.session.scalars(query).all()

    def list_for_order(self, *, order_id: int) -> Sequence[Refund]:
        query = select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
        return self.session.scalars(query).all()

    def add(self, refund: Refund) -> None:
        self.session.add(refund)


class LoyaltyRepository(_Repository):
    def get(self, *, customer_id: int) -> LoyaltyAccount | None:
        return self.session.get(LoyaltyAccount, customer_id)

    def add(self, account: LoyaltyAccount) -> None:
        self.session.add(account)


class InteractionRepository(_Repository):
    def list_for_conversation(self, *, conversation_id: str) -> Sequence[Interaction]:
        query = select(Interaction).where(Interaction.conversation_id == conversation_id)
        return self.session.scalars(query.order_by(Interaction.id)).all()

    def add(self, interaction: Interaction) -> None:
        self.session.add(interaction)


class HandoffRepository(_Repository):
    def get(self, *, handoff_id: int, fresh: bool = False) -> Handoff | None:
        """`fresh` re-reads the row over what the session holds, e.g. after `transition`."""
        options = {"populate_existing": True} if fresh else {}
        return self.session.get(Handoff, handoff_id, **options)

    def queued_for_conversation(self, *, conversation_id: str) -> Handoff | None:
        query = select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.state == "queued"
        )
        return self.session.scalars(query).first()

    def has_active(self, *, conversation_id: str) -> bool:
        """Whether `active_for_conversation` would find one: asked before every customer
        turn, so it is one index probe in plain SQL, with no ORM object built."""
        connection = self.session.connection()  # Core: no ORM execution steps for a probe
        row = connection.execute(_HAS_ACTIVE, {"conversation_id": conversation_id}).first()
        return row is not None

    def active_for_conversation(self, *, conversation_id: str) -> Handoff | None:
        """Queued, assigned or a ticket; the unique index allows at most one."""
        query = select(Handoff).where(
            Handoff.conversation_id == conversation_id,
            Handoff.state.in_(ACTIVE_HANDOFF_STATES),
        )
        return self.session.scalars(query.order_by(Handoff.id.desc())).first()

    def open_for_customer(self, *, customer_id: int) -> Handoff | None:
        query = select(Handoff).where(
            Handoff.customer_id == customer_id, Handoff.state.in_(ACTIVE_HANDOFF_STATES)
        )
        return self.session.scalars(query.order_by(Handoff.id.desc())).first()

    def in_queue_order(
        self, *, states: Collection[str], team: str | None = None
    ) -> Sequence[Handoff]:
        """Most urgent first: priority, then VIPs, then the longest waiting."""
        query = _queue_order(select(Handoff).where(Handoff.state.in_(list(states))), team)
        query = query.options(selectinload(Handoff.customer), selectinload(Handoff.assigned_agent))
        return self.session.scalars(query).all()

    def queued_ids(self, *, team: str) -> list[int]:
        """The ids waiting for `team`, in queue order; a position is an index here."""
        query = _queue_order(select(Handoff.id).where(Handoff.state == "queued"), team)
        return list(self.session.scalars(query).all())

    def transition(
        self,
        *,
        handoff_id: int,
        from_states: Collection[str],
        values: dict[str, Any],
        assigned_to: int | None = None,
    ) -> bool:
        """Change the row only if it is still in one of `from_states` (and, with
        `assigned_to`, still that agent's): one conditional UPDATE, so of two racing
        callers exactly one sees True."""
        query = update(Handoff).where(
            Handoff.id == handoff_id, Handoff.state.in_(list(from_states))
        )
        if assigned_to is not None:
            query = query.where(Handoff.assigned_agent_id == assigned_to)
        result = self.session.execute(
            query.values(**values).execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def add(self, handoff: Handoff) -> None:
        self.session.add(handoff)

    def add_note(self, note: HandoffNote) -> None:
        self.session.add(note)

    def notes(self, *, handoff_id: int) -> Sequence[HandoffNote]:
        query = select(HandoffNote).where(HandoffNote.handoff_id == handoff_id)
        return self.session.scalars(query.order_by(HandoffNote.id)).all()


def _queue_order(query: Select, team: str | None) -> Select:
    if team is not None:
        query = query.where(Handoff.team == team)
    return query.order_by(Handoff.priority, Handoff.vip.desc(), Handoff.queued_at, Handoff.id)


class AgentRepository(_Repository):
    def get(self, *, agent_id: int) -> Agent | None:
        return self.session.get(Agent, agent_id)

    def get_by_username(self, *, username: str) -> Agent | None:
        query = select(Agent).where(Agent.username == username.strip().lower())
        return self.session.scalars(query).one_or_none()

    def list_all(self, *, active_only: bool = False) -> Sequence[Agent]:
        query = select(Agent).order_by(Agent.username)
        if active_only:
            query = query.where(Agent.active.is_(True))
        return self.session.scalars(query).all()

    def count_serving(self, *, team: str) -> int:
        """Active agents and supervisors of `team`, or of no team (they take any)."""
        query = (
            select(func.count())
            .select_from(Agent)
            .where(
                Agent.active.is_(True),
                Agent.role.in_(("agent", "supervisor")),
                or_(Agent.team == team, Agent.team.is_(None)),
            )
        )
        return self.session.scalar(query) or 0

    def add(self, agent: Agent) -> None:
        self.session.add(agent)
