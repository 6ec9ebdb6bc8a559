"""Handoffs to a human agent: at most one active per conversation.

`create_handoff` is the first, simple form (reason codes only); `bot.services.queue`
enqueues with an escalation decision, a priority, a team and business hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.services.convert import handoff_view
from bot.services.customers import existing_customer_id
from bot.services.inputs import clean_text
from bot.services.views import HandoffView
from bot.store.models import Handoff
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_REASONS = 20
MAX_SUMMARY_LENGTH = 4000


@dataclass(frozen=True)
class _Request:
    conversation_id: str
    customer_id: object
    reasons: tuple[str, ...]
    interaction_type: str | None
    intent: str | None
    summary: str | None


def create_handoff(
    uow: AbstractUnitOfWork,
    *,
    conversation_id: str,
    customer_id: int | None,
    reasons: list[str],
    interaction_type: str | None,
    intent: str | None,
    summary: str | None = None,
) -> HandoffView:
    """Queue a handoff, or add the new reasons to the one already active (queued,
    assigned or a ticket) for this conversation, so a frustrated customer asking twice
    does not queue twice."""
    request = _Request(
        conversation_id=clean_text(conversation_id, max_length=128)
        or f"unknown-{uuid.uuid4().hex}",
        customer_id=customer_id,
        reasons=clean_reasons(reasons),
        interaction_type=clean_text(interaction_type, max_length=32),
        intent=clean_text(intent, max_length=100),
        summary=clean_text(summary, max_length=MAX_SUMMARY_LENGTH),
    )
    try:
        return _queue(uow, request)
    except IntegrityError:
        # Another process queued one for this conversation at the same moment: merge.
        return _queue(uow, request)


def clean_reasons(reasons: object) -> tuple[str, ...]:
    """Distinct, non-empty reason codes in first-seen order; a lone string is one reason."""
    items: Iterable[object] = (reasons,) if isinstance(reasons, str) else ()
    if isinstance(reasons, (list, tuple, set, frozenset)):
        items = reasons
    cleaned = (clean_text(item, max_length=100) for item in items)
    return tuple(dict.fromkeys(reason for reason in cleaned if reason))[:MAX_REASONS]


def _queue(uow: AbstractUnitOfWork, request: _Request) -> HandoffView:
    with uow:
        handoff = uow.handoffs.active_for_conversation(conversation_id=request.conversation_id)
        if handoff is None:
            handoff = _new_handoff(uow, request)
            uow.handoffs.add(handoff)
        else:
            _merge(uow, handoff, request)
        uow.commit()
        return handoff_view(handoff)


def _new_handoff(uow: AbstractUnitOfWork, request: _Request) -> Handoff:
    return Handoff(
        conversation_id=request.conversation_id,
        customer_id=existing_customer_id(uow, request.customer_id),
        state="queued",
        reasons=list(request.reasons),
        interaction_type=request.interaction_type,
        intent=request.intent,
        summary=request.summary,
    )


def _merge(uow: AbstractUnitOfWork, handoff: Handoff, request: _Request) -> None:
    """A new list is assigned (not mutated in place) so the JSON column sees the change."""
    handoff.reasons = list(clean_reasons([*(handoff.reasons or []), *request.reasons]))
    if request.summary:
        handoff.summary = request.summary
    if handoff.customer_id is None:
        handoff.customer_id = existing_customer_id(uow, request.customer_id)
