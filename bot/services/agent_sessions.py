"""Staff sessions on the server: started at login, checked on every request, ended by a
logout, a deactivation or a new password.

The console's cookie is signed (bot/console/staff_cookies.py), but a signature cannot be taken
back and its expiry is whatever the cookie says. So each session is also a row: a request
is served only while its row is there, not revoked, younger than the maximum age the
server allows now, and its agent is active. Rows are keyed by a hash of the cookie's random
id, so a copy of the table opens no session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime, timedelta

from bot.services.convert import agent_view
from bot.services.inputs import valid_id
from bot.services.views import AgentView
from bot.store.columns import utcnow
from bot.store.console_repository import ConsoleSessionRepository
from bot.store.models import ConsoleSession
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_SESSION_ID_CHARS = 64


def token_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def start_session(
    uow: AbstractUnitOfWork,
    *,
    agent_id: int,
    session_id: str,
    lifetime_seconds: int,
    address: str | None,
    now: datetime | None = None,
) -> datetime:
    """Record a new session; returns when it ends at the latest."""
    moment = now or utcnow()
    ends = moment + timedelta(seconds=lifetime_seconds)
    with uow:
        ConsoleSessionRepository.for_uow(uow).add(
            ConsoleSession(
                token_hash=token_hash(session_id),
                agent_id=agent_id,
                address=(address or "")[:64] or None,
                created_at=moment,
                expires_at=ends,
            )
        )
        uow.commit()
    return ends


def session_agent(
    uow: AbstractUnitOfWork,
    *,
    agent_id: int,
    session_id: str,
    max_age_seconds: int,
    now: datetime | None = None,
) -> AgentView | None:
    """The active agent of a live session, or None (unknown, revoked, too old, another
    agent's, or the agent was deactivated)."""
    identifier = valid_id(agent_id)
    if identifier is None or not 0 < len(session_id) <= MAX_SESSION_ID_CHARS:
        return None
    moment = now or utcnow()
    with uow:
        row = ConsoleSessionRepository.for_uow(uow).get(token_hash=token_hash(session_id))
        if row is None or row.agent_id != identifier or not _live(row, moment, max_age_seconds):
            return None
        agent = uow.agents.get(agent_id=identifier)
        return agent_view(agent) if agent is not None and agent.active else None


def live_sessions(
    uow: AbstractUnitOfWork,
    *,
    session_ids: Collection[str],
    max_age_seconds: int,
    now: datetime | None = None,
) -> set[str]:
    """Which of these sessions may still be served (one query, for the live feed)."""
    moment = now or utcnow()
    hashes = {token_hash(session_id): session_id for session_id in session_ids}
    with uow:
        repository = ConsoleSessionRepository.for_uow(uow)
        live = repository.live_hashes(
            token_hashes=hashes, now=moment, born_after=moment - timedelta(seconds=max_age_seconds)
        )
        return {hashes[found] for found in live}


def end_session(
    uow: AbstractUnitOfWork, *, session_id: str, why: str = "logout", now: datetime | None = None
) -> None:
    with uow:
        ConsoleSessionRepository.for_uow(uow).revoke(
            token_hash=token_hash(session_id), why=why, now=now or utcnow()
        )
        uow.commit()


def revoke_agent_sessions(
    uow: AbstractUnitOfWork, *, agent_id: int, why: str, now: datetime | None = None
) -> None:
    """Every session of the agent ends (the caller commits, with the change that caused it)."""
    ConsoleSessionRepository.for_uow(uow).revoke_agent(
        agent_id=agent_id, why=why, now=now or utcnow()
    )


def _live(row: ConsoleSession, now: datetime, max_age_seconds: int) -> bool:
    young = row.created_at + timedelta(seconds=max_age_seconds) > now
    return row.revoked_at is None and row.expires_at > now and young
