"""Policies, decisions, agents and empty stores for the queue tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, time, timezone

from sqlalchemy.orm import sessionmaker

from bot.escalation import BusinessHours, Decision, EscalationPolicy, OpeningSpan, Reason
from bot.services.agents import create_agent
from bot.services.views import AgentView
from bot.store.db import create_schema, get_engine, session_factory
from bot.store.unit_of_work import AbstractUnitOfWork
from tools.seed.databases import temporary_database

# Monday 3 June 2024, 10:00 UTC: inside the default business hours (Mon-Fri 9-17 UTC).
NOW = datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)
SATURDAY = datetime(2024, 6, 8, 12, 0, tzinfo=timezone.utc)
MONDAY_OPENING = datetime(2024, 6, 10, 9, 0, tzinfo=timezone.utc)
POLICY = EscalationPolicy()
ALWAYS_OPEN = replace(
    POLICY, business_hours=BusinessHours(days=(OpeningSpan(time(0), time.max),) * 7)
)
TYPE_PRIORITY = {"conflict": 1, "service": 2, "informative": 3}
PASSWORD = "a long enough password"


def decision(
    kind: str = "conflict", *, vip: bool = False, team: str = "general", code: str | None = None
) -> Decision:
    reason = Reason(code or kind, f"{kind} for the test", 1.0)
    return Decision(
        escalate=True,
        reasons=(reason,),
        priority=TYPE_PRIORITY[kind],
        team=team,
        score=1.0,
        vip=vip,
    )


def agent(
    uow: AbstractUnitOfWork, username: str, *, role: str = "agent", team: str | None = None
) -> AgentView:
    return create_agent(
        uow,
        username=username,
        password=PASSWORD,
        display_name=username.title(),
        role=role,
        team=team,
    )


@contextmanager
def empty_store(backend: str) -> Iterator[tuple[str, sessionmaker]]:
    """A database with the schema and nothing else: the queue needs no customers."""
    with temporary_database(backend) as url:
        create_schema(get_engine(url))
        yield url, session_factory(url)
