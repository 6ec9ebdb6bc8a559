"""The handoff queue, customer side: join it, learn the place and the wait, leave it.

A conversation has at most one active handoff (queued, assigned or a ticket); asking
again merges into it. Outside business hours the handoff becomes a ticket and the
customer is told when the shop opens. The agents' side is in `queue_agents` and is
re-exported here, so `bot.services.queue` is the one module callers import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.escalation import Decision, EscalationPolicy, project_policy
from bot.services.convert import handoff_view
from bot.services.customers import existing_customer_id
from bot.services.handoffs import MAX_SUMMARY_LENGTH, clean_reasons
from bot.services.inputs import clean_text, storable_json, valid_id
from bot.services.queue_agents import (
    abandon,
    abandon_unseen,
    add_note,
    claim,
    list_queue,
    mark_present,
    may_read,
    notes_for,
    queued_conversations,
    queued_to_tickets,
    readable_handoff,
    resolve,
    transfer,
)
from bot.services.queue_rules import expected_wait_minutes
from bot.services.views import HandoffView, QueueTicket
from bot.store.columns import utcnow
from bot.store.models import Handoff
from bot.store.unit_of_work import AbstractUnitOfWork

__all__ = [
    "abandon",
    "abandon_unseen",
    "active_handoff_for",
    "add_note",
    "claim",
    "conversation_state",
    "enqueue",
    "list_queue",
    "mark_present",
    "mark_seen",
    "may_read",
    "notes_for",
    "position_of",
    "queued_conversations",
    "queued_to_tickets",
    "readable_handoff",
    "resolve",
    "transfer",
]


@dataclass(frozen=True)
class _Request:
    conversation_id: str
    customer_id: object
    decision: Decision
    interaction_type: str | None
    intent: str | None
    summary: str | None


def enqueue(
    uow: AbstractUnitOfWork,
    *,
    conversation_id: str,
    customer_id: int | None,
    decision: Decision,
    interaction_type: str | None,
    intent: str | None,
    summary: str | None = None,
    now: datetime | None = None,
    policy: EscalationPolicy | None = None,
) -> QueueTicket:
    """Queue the conversation (a ticket outside business hours), or merge the decision
    into its active handoff; the answer says what the customer should be told."""
    moment, rules = now or utcnow(), policy or project_policy()
    request = _Request(
        conversation_id=clean_text(conversation_id, max_length=128)
        or f"unknown-{uuid.uuid4().hex}",
        customer_id=customer_id,
        decision=decision,
        interaction_type=clean_text(interaction_type, max_length=32),
        intent=clean_text(intent, max_length=100),
        summary=clean_text(summary, max_length=MAX_SUMMARY_LENGTH),
    )
    try:
        view = _store(uow, request, rules, moment)
    except IntegrityError:
        # Another process queued this conversation at the same moment: merge into it.
        view = _store(uow, request, rules, moment)
    return _ticket(uow, view, rules, moment)


def position_of(
    uow: AbstractUnitOfWork,
    *,
    handoff_id: int,
    now: datetime | None = None,
    policy: EscalationPolicy | None = None,
) -> QueueTicket | None:
    """Where the handoff stands now: its place and wait while queued."""
    identifier = valid_id(handoff_id)
    with uow:
        handoff = uow.handoffs.get(handoff_id=identifier) if identifier else None
        view = handoff_view(handoff) if handoff is not None else None
    if view is None:
        return None
    return _ticket(uow, view, policy or project_policy(), now or utcnow())


def active_handoff_for(uow: AbstractUnitOfWork, *, conversation_id: str) -> HandoffView | None:
    conversation = clean_text(conversation_id, max_length=128)
    if conversation is None:
        return None
    with uow:
        handoff = uow.handoffs.active_for_conversation(conversation_id=conversation)
        return handoff_view(handoff) if handoff is not None else None


def has_active_handoff(uow: AbstractUnitOfWork, *, conversation_id: str) -> bool:
    """Whether `active_handoff_for` would find one; cheap enough to ask before every turn."""
    conversation = clean_text(conversation_id, max_length=128)
    if conversation is None:
        return False
    with uow:
        return uow.handoffs.has_active(conversation_id=conversation)


def conversation_state(uow: AbstractUnitOfWork, *, conversation_id: str) -> str:
    """ "bot", or the state of the conversation's active handoff: queued, assigned, ticket."""
    handoff = active_handoff_for(uow, conversation_id=conversation_id)
    return handoff.state if handoff is not None else "bot"


def mark_seen(
    uow: AbstractUnitOfWork, *, conversation_id: str, now: datetime | None = None
) -> bool:
    """The customer is still there (a message, a heartbeat); False without a handoff."""
    conversation = clean_text(conversation_id, max_length=128)
    with uow:
        handoff = (
            uow.handoffs.active_for_conversation(conversation_id=conversation)
            if conversation
            else None
        )
        if handoff is None:
            return False
        handoff.customer_last_seen_at = now or utcnow()
        uow.commit()
        return True


def _store(
    uow: AbstractUnitOfWork, request: _Request, policy: EscalationPolicy, now: datetime
) -> HandoffView:
    with uow:
        handoff = uow.handoffs.active_for_conversation(conversation_id=request.conversation_id)
        if handoff is None:
            handoff = _new_handoff(uow, request, policy, now)
            uow.handoffs.add(handoff)
        else:
            _merge(uow, handoff, request, policy, now)
        uow.commit()
        return handoff_view(handoff)


def _new_handoff(
    uow: AbstractUnitOfWork, request: _Request, policy: EscalationPolicy, now: datetime
) -> Handoff:
    decision = request.decision
    opens = policy.business_hours.next_opening(now)
    return Handoff(
        conversation_id=request.conversation_id,
        customer_id=existing_customer_id(uow, request.customer_id),
        state="queued" if opens == now else "ticket",
        reasons=list(clean_reasons(list(decision.codes))),
        decision=storable_json(decision.as_dict()),
        interaction_type=request.interaction_type,
        intent=request.intent,
        summary=request.summary,
        priority=decision.priority,
        vip=decision.vip,
        team=decision.team,
        queued_at=now,
        # A ticket's clock starts when the shop opens.
        sla_due_at=(opens or now) + policy.sla_for(decision.priority),
        customer_last_seen_at=now,
        created_at=now,
        updated_at=now,
    )


def _merge(
    uow: AbstractUnitOfWork,
    handoff: Handoff,
    request: _Request,
    policy: EscalationPolicy,
    now: datetime,
) -> None:
    """The newest decision is kept; the handoff only ever becomes more urgent."""
    decision = request.decision
    handoff.reasons = list(clean_reasons([*(handoff.reasons or []), *decision.codes]))
    handoff.decision = storable_json(decision.as_dict())
    if decision.priority < handoff.priority:
        handoff.priority = decision.priority
        tighter = handoff.queued_at + policy.sla_for(decision.priority)
        handoff.sla_due_at = min(handoff.sla_due_at or tighter, tighter)
    handoff.vip = handoff.vip or decision.vip
    if handoff.state == "queued" and handoff.team == policy.routing.default_team:
        handoff.team = decision.team
    handoff.summary = request.summary or handoff.summary
    if handoff.customer_id is None:
        handoff.customer_id = existing_customer_id(uow, request.customer_id)
    handoff.customer_last_seen_at = now


def _ticket(
    uow: AbstractUnitOfWork, view: HandoffView, policy: EscalationPolicy, now: datetime
) -> QueueTicket:
    if view.state == "ticket":
        return QueueTicket(view, None, None, True, policy.business_hours.next_opening(now))
    if view.state != "queued":
        return QueueTicket(view, None, None, False, None)
    with uow:
        waiting = uow.handoffs.queued_ids(team=view.team)
        agents = uow.agents.count_serving(team=view.team)
    position = waiting.index(view.id) + 1 if view.id in waiting else len(waiting) + 1
    wait = expected_wait_minutes(position, handle_minutes=policy.handle_minutes, agents=agents)
    return QueueTicket(view, position, wait, False, None)
