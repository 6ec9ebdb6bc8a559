"""The unit of work owns the transaction: services read and write through its
repositories and call `commit()` once; leaving the `with` block rolls back the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import session_factory as default_session_factory
from bot.store.guard_repository import ThrottleRepository, VerifiedSessionRepository
from bot.store.rating_repository import RatingRepository
from bot.store.repositories import (
    AgentRepository,
    CustomerRepository,
    HandoffRepository,
    InteractionRepository,
    LoyaltyRepository,
    OrderRepository,
    ProductRepository,
    RefundRepository,
)
from bot.store.review_repository import ReviewRepository

UnitOfWorkT = TypeVar("UnitOfWorkT", bound="AbstractUnitOfWork")


class AbstractUnitOfWork(ABC):
    customers: CustomerRepository
    orders: OrderRepository
    products: ProductRepository
    refunds: RefundRepository
    loyalty: LoyaltyRepository
    interactions: InteractionRepository
    handoffs: HandoffRepository
    agents: AgentRepository
    ratings: RatingRepository
    reviews: ReviewRepository
    throttles: ThrottleRepository
    verified_sessions: VerifiedSessionRepository

    def __enter__(self: UnitOfWorkT) -> UnitOfWorkT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Whatever was not committed is discarded, on success and on error alike."""
        self.rollback()

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """One session per outermost `with` block.

    Nested `with` blocks (a service composed of services) share the outer session, so the
    outer block decides when the session ends. The factory is resolved on first use, so
    constructing a unit of work never touches the database.
    """

    def __init__(self, session_factory: sessionmaker | None = None) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._depth = 0

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        if self._depth == 0:
            self._open_session()
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            super().__exit__(exc_type, exc, traceback)
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def _open_session(self) -> None:
        if self._session_factory is None:
            self._session_factory = default_session_factory()
        session = self._session = self._session_factory()
        self.customers = CustomerRepository(session)
        self.orders = OrderRepository(session)
        self.products = ProductRepository(session)
        self.refunds = RefundRepository(session)
        self.loyalty = LoyaltyRepository(session)
        self.interactions = InteractionRepository(session)
        self.handoffs = HandoffRepository(session)
        self.agents = AgentRepository(session)
        self.ratings = RatingRepository(session)
        self.reviews = ReviewRepository(session)
        self.throttles = ThrottleRepository(session)
        self.verified_sessions = VerifiedSessionRepository(session)
