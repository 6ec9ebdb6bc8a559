"""The console's access log: who looked at which customer's data, when, from where.

Written when a member of staff opens a handoff's context packet (the customer's profile,
orders and transcript), searches the KPI conversations (a drill-down) or exports them, and
when a supervisor reads this log. The queue's listing (names only, refreshed every few
seconds) is not logged, or the log would be mostly that. Supervisors read it
(`GET /webhooks/console/api/access-log`); nothing updates or deletes a row.
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
)
MAX_ENTRIES = 500


@dataclass(frozen=True)
class AccessEntryView:
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
    agent_id: int,
    action: str,
    address: str | None,
    handoff_id: int | None = None,
    customer_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    with uow:
        AccessLogRepository.for_uow(uow).add(
            ConsoleAccessEntry(
                agent_id=agent_id,
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
        agent=row.agent.username,
        action=row.action,
        handoff_id=row.handoff_id,
        customer_id=row.customer_id,
        detail=row.detail,
        address=row.address,
        at=row.at,
    )
