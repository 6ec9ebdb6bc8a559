"""Staff sessions and the console's access log, over the unit of work's session.

Kept beside the unit of work rather than in it: only the console's services use them, and
they take the session of whichever unit of work they are given (`for_uow`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.store.models import Agent, ConsoleAccessEntry, ConsoleSession
from bot.store.unit_of_work import AbstractUnitOfWork


def session_of(uow: AbstractUnitOfWork) -> Session:
    """The SQLAlchemy session of an open unit of work (SqlAlchemyUnitOfWork has one)."""
    session = getattr(uow, "session", None)
    if not isinstance(session, Session):
        raise TypeError("the console's records need a SqlAlchemyUnitOfWork")
    return cast(Session, session)


class ConsoleSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    def for_uow(cls, uow: AbstractUnitOfWork) -> ConsoleSessionRepository:
        return cls(session_of(uow))

    def add(self, row: ConsoleSession) -> None:
        self.session.add(row)

    def get(self, *, token_hash: str) -> ConsoleSession | None:
        return self.session.get(ConsoleSession, token_hash)

    def live_hashes(
        self, *, token_hashes: Collection[str], now: datetime, born_after: datetime
    ) -> set[str]:
        """Which of these sessions are not revoked, not expired, younger than the maximum
        age (`born_after`), and belong to an active agent."""
        if not token_hashes:
            return set()
        query = (
            select(ConsoleSession.token_hash)
            .join(Agent, Agent.id == ConsoleSession.agent_id)
            .where(
                ConsoleSession.token_hash.in_(list(token_hashes)),
                ConsoleSession.revoked_at.is_(None),
                ConsoleSession.expires_at > now,
                ConsoleSession.created_at > born_after,
                Agent.active.is_(True),
            )
        )
        return set(self.session.scalars(query))

    def revoke(self, *, token_hash: str, why: str, now: datetime) -> None:
        self._revoke(ConsoleSession.token_hash == token_hash, why=why, now=now)

    def revoke_agent(self, *, agent_id: int, why: str, now: datetime) -> None:
        self._revoke(ConsoleSession.agent_id == agent_id, why=why, now=now)

    def _revoke(self, condition: object, *, why: str, now: datetime) -> None:
        self.session.execute(
            update(ConsoleSession)
            .where(condition, ConsoleSession.revoked_at.is_(None))  # type: ignore[arg-type]
            .values(revoked_at=now, revoked_why=why)
            .execution_options(synchronize_session=False)
        )


class AccessLogRepository:
    """Insert and read only: the log has no update or delete, here or in the database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    def for_uow(cls, uow: AbstractUnitOfWork) -> AccessLogRepository:
        return cls(session_of(uow))

    def add(self, entry: ConsoleAccessEntry) -> None:
        self.session.add(entry)

    def recent(
        self,
        *,
        limit: int,
        handoff_id: int | None = None,
        customer_id: int | None = None,
        agent_id: int | None = None,
    ) -> Sequence[ConsoleAccessEntry]:
        query = select(ConsoleAccessEntry)
        if handoff_id is not None:
            query = query.where(ConsoleAccessEntry.handoff_id == handoff_id)
        if customer_id is not None:
            query = query.where(ConsoleAccessEntry.customer_id == customer_id)
        if agent_id is not None:
            query = query.where(ConsoleAccessEntry.agent_id == agent_id)
        query = query.order_by(ConsoleAccessEntry.id.desc()).limit(limit)
        return self.session.scalars(query).all()
