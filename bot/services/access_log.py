"""The console's access log: who looked at which customer's data, when, from where.

Written when a member of staff opens a handoff's context packet (the customer's profile,
orders and transcript), searches the KPI conversations (a drill-down) or exports them, and
when a supervisor reads this log. The queue's listing (names only, refreshed every few
seconds) is not logged, or the log would be mostly that. Supervisors read it
(`GET /webhooks/console/api/access-log`); nothing updates or deletes a row.

The privacy actions are written here too: a supervisor's customer lookup (by public id:
`view_customer`; by email: `search_customers`), export and erasure, in the console or with
`cim privacy` (then the actor is `cli:<os user>`, as no agent row stands behind it). A row
holds ids (the store's customer number), never what was shown or exported: the log outlives
an erasure, so it must not hold the identifiers the erasure removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.inputs import clamp_limit, clean_text, valid_id
from bot.store.columns import utcnow
from bot.store.console_repository import AccessLogRepository
from bot.store.models import ConsoleAccessEntry
from bot.store.unit_of_work import AbstractUnitOfWork

ACCESS_ACTIONS = (
    "view_handoff",
    "search_conversations",
    "export_conversations",
    "read_access_log",
    "view_customer",
    "search_customers",
    "export_customer",
    "erase_customer",
)
MAX_ACTOR_LENGTH = 64
MAX_ENTRIES = 500


@dataclass(frozen=True)
class AccessEntryView:
    """`agent`: the agent's username, or the actor that had no agent row (`cli:root`)."""

    id: int
    agent: str
    action: str
    handoff_id: int | None
    customer_id: int | None
    detail: str | None
    address: str | None
    at: datetime

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "at": self.at.isoformat()}


def record_access(
    uow: AbstractUnitOfWork,
    *,
    action: str,
    address: str | None,
    agent_id: int | None = None,
    actor: str | None = None,
    handoff_id: int | None = None,
    customer_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """One entry, by an agent (`agent_id`) or an actor without an agent row (`actor`)."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    who = clean_text(actor, max_length=MAX_ACTOR_LENGTH)
    if (agent_id is None) == (who is None):
        raise ValueError("an access entry has an agent or an actor, one of the two")
    with uow:
        AccessLogRepository.for_uow(uow).add(
            ConsoleAccessEntry(
                agent_id=agent_id,
                actor=who,
                action=action,
                handoff_id=valid_id(handoff_id),
                customer_id=valid_id(customer_id),
                detail=clean_text(detail, max_length=500),
                address=clean_text(address, max_length=64),
                at=now or utcnow(),
            )
        )
        uow.commit()


def recent_access(
    uow: AbstractUnitOfWork,
    *,
    limit: object = 100,
    handoff_id: int | None = None,
    customer_id: int | None = None,
    agent_id: int | None = None,
) -> list[AccessEntryView]:
    """Newest first, optionally about one handoff, one customer or by one agent."""
    with uow:
        rows = AccessLogRepository.for_uow(uow).recent(
            limit=clamp_limit(limit, default=100, maximum=MAX_ENTRIES),
            handoff_id=handoff_id,
            customer_id=customer_id,
            agent_id=agent_id,
        )
        return [_view(row) for row in rows]


def _view(row: ConsoleAccessEntry) -> AccessEntryView:
    return AccessEntryView(
        id=row.id,
        agent=row.agent.username if row.agent is not None else str(row.actor),
        action=row.action,
        handoff_id=row.handoff_id,
        customer_id=row.customer_id,
        detail=row.detail,
        address=row.address,
        at=row.at,
    )
