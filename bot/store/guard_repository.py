"""The chat's guards for the unit of work: server-side counters and verified sessions.

See `ChatThrottle` and `VerifiedSession`. `ThrottleRepository.lock` is the one place that
serialises concurrent attempts on the same key: a script firing guesses in parallel must
not get several past a limit that each of them checked on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import ChatThrottle, VerifiedSession

ThrottleKey = tuple[str, str]  # (scope, key)


class ThrottleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(
        self, *, keys: Sequence[ThrottleKey], now: datetime
    ) -> dict[ThrottleKey, ChatThrottle]:
        """The rows for `keys`, created when missing, locked until the transaction ends.

        The insert comes first: on SQLite it takes the database's write lock, on PostgreSQL
        `FOR UPDATE` then takes the rows' locks, in key order so two callers cannot deadlock.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        values = [
            {"scope": s, "key": k, "count": 0, "window_started_at": now, "last_at": now}
            for s, k in wanted
        ]
        self.session.execute(_insert_missing(self.session, values))
        rows = self.session.scalars(
            select(ChatThrottle)
            .where(tuple_(ChatThrottle.scope, ChatThrottle.key).in_(wanted))
            .order_by(ChatThrottle.scope, ChatThrottle.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        return {(row.scope, row.key): row for row in rows}

    def get(self, *, scope: str, key: str) -> ChatThrottle | None:
        return self.session.get(ChatThrottle, (scope, key))

    def purge(self, *, scopes: Sequence[str], idle_before: datetime, now: datetime) -> None:
        """Forget the counters of `scopes` idle since `idle_before` that hold no lock now."""
        self.session.execute(
            delete(ChatThrottle)
            .where(ChatThrottle.scope.in_(scopes), ChatThrottle.last_at < idle_before)
            .where((ChatThrottle.locked_until.is_(None)) | (ChatThrottle.locked_until < now))
        )


def _insert_missing(session: Session, values: list[dict[str, Any]]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(ChatThrottle).values(values).on_conflict_do_nothing()


class VerifiedSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, *, conversation_id: str, session_key: str) -> VerifiedSession | None:
        return self.session.scalars(
            select(VerifiedSession).where(
                VerifiedSession.conversation_id == conversation_id,
                VerifiedSession.session_key == session_key,
            )
        ).one_or_none()

    def replace(self, verified: VerifiedSession) -> None:
        """Record `verified`, in place of an earlier verification of the same session."""
        self.session.execute(
            delete(VerifiedSession).where(
                VerifiedSession.conversation_id == verified.conversation_id,
                VerifiedSession.session_key == verified.session_key,
            )
        )
        self.session.add(verified)

    def purge(self, *, expired_before: datetime) -> None:
        self.session.execute(
            delete(VerifiedSession).where(VerifiedSession.expires_at < expired_before)
        )
