"""The interaction log: one row per thing the bot did, for reporting and review."""

from __future__ import annotations

from typing import Any

from bot.services.customers import existing_customer_id
from bot.services.inputs import clean_text, storable_json
from bot.store.models import Interaction
from bot.store.unit_of_work import AbstractUnitOfWork

UNKNOWN_CONVERSATION = "unknown"


def log_interaction(
    uow: AbstractUnitOfWork,
    *,
    conversation_id: str,
    customer_id: int | None,
    intent: str | None,
    interaction_type: str | None,
    action: str,
    outcome: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Record and commit one interaction; odd values are cleaned, never refused,
    because losing a log line is worse than storing a slightly tidied one."""
    with uow:
        interaction = Interaction(
            conversation_id=clean_text(conversation_id, max_length=128) or UNKNOWN_CONVERSATION,
            customer_id=existing_customer_id(uow, customer_id),
            intent=clean_text(intent, max_length=100),
            interaction_type=clean_text(interaction_type, max_length=32),
            action=clean_text(action, max_length=100) or "",
            outcome=clean_text(outcome, max_length=64) or "",
            details=storable_json(details),
        )
        uow.interactions.add(interaction)
        uow.commit()
