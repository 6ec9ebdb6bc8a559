"""The handoff queue, agents' side: see it, claim, transfer, note, resolve.

Who may read a handoff (`may_read`): supervisors every one; agents the open handoffs of
their team (of every team when they have none) and the ones assigned to them, open or
closed; trainers none (they review redacted text in the inbox). Reading covers the queue's
rows, the context packet and the live feed; claiming and transferring need it too, and
notes go only on open handoffs one may read.

Every state change is one conditional UPDATE (`HandoffRepository.transition`): the row
changes only if it is still in a state the change may start from. Two agents who
click "claim" at the same moment therefore cannot both win, on SQLite (one writer at a
time) or on PostgreSQL (the second UPDATE waits for the first and then finds the row
no longer queued).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.escalation import EscalationPolicy, project_policy
from bot.services.convert import agent_view, handoff_view, note_view
from bot.services.inputs import clean_text, valid_id
from bot.services.queue_rules import WAITING_STATES, minutes_between, sources
from bot.services.views import (
    AgentView,
    ClaimResult,
    HandoffRef,
    HandoffView,
    NoteView,
    QueueEntry,
    QueueOutcome,
)
from bot.store.columns import utcnow
from bot.store.models import (
    ACTIVE_HANDOFF_STATES,
    HANDOFF_DISPOSITIONS,
    Agent,
    Handoff,
    HandoffNote,
)
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_NOTE_LENGTH = 4000
SERVING_ROLES = ("agent", "supervisor")


def may_read(agent: AgentView, handoff: HandoffView) -> bool:
    """Whether `agent` may see this handoff's customer and conversation (module docstring)."""
    if not agent.active:
        return False
    if agent.role == "supervisor":
        return True
    if agent.role != "agent":
        return False
    if handoff.assigned_agent_id == agent.id:
        return True
    return handoff.state in ACTIVE_HANDOFF_STATES and agent.team in (None, handoff.team)


def readable_handoff(
    uow: AbstractUnitOfWork, *, handoff_id: int, agent_id: int
) -> tuple[HandoffView | None, str | None]:
    """The handoff if this agent may read it, else why not: "not_found" or "forbidden"."""
    identifier = valid_id(handoff_id)
    with uow:
        handoff = uow.handoffs.get(handoff_id=identifier) if identifier else None
        if handoff is None:
            return None, "not_found"
        reader = _active_agent(uow, agent_id)
        view = handoff_view(handoff)
        if reader is None or not may_read(agent_view(reader), view):
            return None, "forbidden"
        return view, None


def list_queue(
    uow: AbstractUnitOfWork,
    *,
    team: str | None = None,
    now: datetime | None = None,
    states: Collection[str] = ("queued",),
    reader: AgentView | None = None,
) -> list[QueueEntry]:
    """Most urgent first: priority (conflict, service, informative), VIPs first within
    it, then the longest waiting. Positions count per team, queued handoffs only. With
    `reader`, only the handoffs they may read."""
    moment = now or utcnow()
    with uow:
        handoffs = uow.handoffs.in_queue_order(states=tuple(states), team=team)
        entries = _entries(handoffs, moment)
    return [e for e in entries if reader is None or may_read(reader, e.handoff)]


def claim(
    uow: AbstractUnitOfWork, *, handoff_id: int, agent_id: int, now: datetime | None = None
) -> ClaimResult:
    """Take a queued handoff or a ticket; exactly one of several racing agents wins."""
    moment = now or utcnow()
    with uow:
        agent = _serving_agent(uow, agent_id)
        if agent is None:
            return QueueOutcome(ok=False, reason="unknown_agent")
        if not _may_read_id(uow, agent, handoff_id):
            return QueueOutcome(ok=False, reason="forbidden")
        values = {
            "state": "assigned",
            "assigned_agent_id": agent.id,
            "assigned_at": moment,
            "updated_at": moment,
        }
        won = _try(uow, handoff_id, sources("assigned"), values)
        return _finish(uow, handoff_id, won, target="assigned")


def transfer(
    uow: AbstractUnitOfWork,
    *,
    handoff_id: int,
    agent_id: int,
    team: str,
    now: datetime | None = None,
    policy: EscalationPolicy | None = None,
) -> QueueOutcome:
    """Back into the queue of `team` (which may be the same team), keeping its age. Any
    agent may move a queued handoff; an assigned one only its agent or a supervisor."""
    name = clean_text(team, max_length=50)
    routing = (policy or project_policy()).routing
    if name is None or name not in {*routing.teams, routing.default_team}:
        return QueueOutcome(ok=False, reason="unknown_team")
    moment = now or utcnow()
    with uow:
        agent = _serving_agent(uow, agent_id)
        if agent is None:
            return QueueOutcome(ok=False, reason="unknown_agent")
        if not _may_read_id(uow, agent, handoff_id):
            return QueueOutcome(ok=False, reason="forbidden")
        values: dict[str, Any] = {"state": "queued", "team": name, "assigned_agent_id": None}
        values |= {"assigned_at": None, "updated_at": moment}
        won = _try(uow, handoff_id, ("queued",), values) or _try(
            uow, handoff_id, ("assigned",), values, assigned_to=_unless_supervisor(agent)
        )
        return _finish(uow, handoff_id, won, target="queued", agent=agent)


def resolve(
    uow: AbstractUnitOfWork,
    *,
    handoff_id: int,
    agent_id: int,
    disposition: str,
    now: datetime | None = None,
) -> QueueOutcome:
    """Close an assigned handoff (its agent, or a supervisor); the conversation goes
    back to the bot."""
    if disposition not in HANDOFF_DISPOSITIONS:
        return QueueOutcome(ok=False, reason="unknown_disposition")
    moment = now or utcnow()
    with uow:
        agent = _serving_agent(uow, agent_id)
        if agent is None:
            return QueueOutcome(ok=False, reason="unknown_agent")
        values: dict[str, Any] = {"state": "resolved", "disposition": disposition}
        values |= {"resolved_at": moment, "updated_at": moment}
        assignee = _unless_supervisor(agent)
        won = _try(uow, handoff_id, sources("resolved"), values, assigned_to=assignee)
        return _finish(uow, handoff_id, won, target="resolved", agent=agent)


def abandon(
    uow: AbstractUnitOfWork, *, conversation_id: str, now: datetime | None = None
) -> QueueOutcome:
    """The customer left: their queued or assigned handoff is abandoned."""
    conversation = clean_text(conversation_id, max_length=128)
    moment = now or utcnow()
    with uow:
        handoff = (
            uow.handoffs.active_for_conversation(conversation_id=conversation)
            if conversation
            else None
        )
        if handoff is None:
            return QueueOutcome(ok=False, reason="not_found")
        values = {"state": "abandoned", "resolved_at": moment, "updated_at": moment}
        won = _try(uow, handoff.id, sources("abandoned"), values)
        return _finish(uow, handoff.id, won, target="abandoned")


def abandon_unseen(
    uow: AbstractUnitOfWork, *, now: datetime | None = None, policy: EscalationPolicy | None = None
) -> list[HandoffRef]:
    """Abandon queued handoffs whose customer has not been seen (a message, a connected
    chat) for `abandon_after_minutes`; returns the ones abandoned."""
    moment = now or utcnow()
    cutoff = moment - timedelta(minutes=(policy or project_policy()).abandon_after_minutes)
    values = {"state": "abandoned", "resolved_at": moment, "updated_at": moment}
    with uow:
        moved = [
            HandoffRef(handoff.id, handoff.conversation_id)
            for handoff in uow.handoffs.in_queue_order(states=("queued",))
            if (handoff.customer_last_seen_at or handoff.queued_at) < cutoff
            and _try(uow, handoff.id, ("queued",), values)
        ]
        uow.commit()
        return moved


def queued_to_tickets(
    uow: AbstractUnitOfWork, *, now: datetime | None = None, policy: EscalationPolicy | None = None
) -> tuple[list[HandoffRef], datetime | None]:
    """At closing time, whoever is still queued gets a ticket; their SLA restarts when
    the shop opens. Does nothing during business hours. Returns the handoffs moved and
    when the shop opens."""
    moment, rules = now or utcnow(), policy or project_policy()
    opens = rules.business_hours.next_opening(moment)
    if opens == moment:
        return [], opens
    with uow:
        moved = []
        for handoff in uow.handoffs.in_queue_order(states=("queued",)):
            due = (opens or moment) + rules.sla_for(handoff.priority)
            values = {"state": "ticket", "sla_due_at": due, "updated_at": moment}
            if _try(uow, handoff.id, ("queued",), values):
                moved.append(HandoffRef(handoff.id, handoff.conversation_id))
        uow.commit()
        return moved, opens


def queued_conversations(uow: AbstractUnitOfWork) -> list[str]:
    """The conversations waiting in the queue, most urgent first."""
    with uow:
        return [h.conversation_id for h in uow.handoffs.in_queue_order(states=("queued",))]


def mark_present(
    uow: AbstractUnitOfWork, *, conversation_ids: Collection[str], now: datetime | None = None
) -> int:
    """These queued customers are still connected: they have not left. Returns how many."""
    moment, wanted = now or utcnow(), set(conversation_ids)
    if not wanted:
        return 0
    with uow:
        seen = 0
        for handoff in uow.handoffs.in_queue_order(states=("queued",)):
            if handoff.conversation_id in wanted:
                handoff.customer_last_seen_at = moment
                seen += 1
        uow.commit()
        return seen


def add_note(
    uow: AbstractUnitOfWork,
    *,
    handoff_id: int,
    agent_id: int,
    body: str,
    now: datetime | None = None,
) -> NoteView | None:
    """A private note for the agents; None if the text or agent is not valid, or the
    handoff is closed or not one the agent may read."""
    text = clean_text(body, max_length=MAX_NOTE_LENGTH)
    identifier = valid_id(handoff_id)
    if text is None or identifier is None:
        return None
    with uow:
        agent = _active_agent(uow, agent_id)
        handoff = uow.handoffs.get(handoff_id=identifier)
        if agent is None or handoff is None or handoff.state not in ACTIVE_HANDOFF_STATES:
            return None
        if not may_read(agent_view(agent), handoff_view(handoff)):
            return None
        note = HandoffNote(
            handoff_id=identifier, agent=agent, body=text, created_at=now or utcnow()
        )
        uow.handoffs.add_note(note)
        uow.commit()
        return note_view(note)


def notes_for(uow: AbstractUnitOfWork, *, handoff_id: int) -> list[NoteView]:
    identifier = valid_id(handoff_id)
    if identifier is None:
        return []
    with uow:
        return [note_view(note) for note in uow.handoffs.notes(handoff_id=identifier)]


def _try(
    uow: AbstractUnitOfWork,
    handoff_id: object,
    from_states: Collection[str],
    values: dict[str, Any],
    *,
    assigned_to: int | None = None,
) -> bool:
    identifier = valid_id(handoff_id)
    if identifier is None:
        return False
    return uow.handoffs.transition(
        handoff_id=identifier, from_states=from_states, values=values, assigned_to=assigned_to
    )


def _finish(
    uow: AbstractUnitOfWork,
    handoff_id: object,
    won: bool,
    *,
    target: str,
    agent: Agent | None = None,
) -> QueueOutcome:
    """Commit the winner's change, or say why the handoff could not move."""
    if won:
        uow.commit()
    else:
        uow.rollback()
    identifier = valid_id(handoff_id)
    handoff = uow.handoffs.get(handoff_id=identifier, fresh=True) if identifier else None
    if handoff is None:
        return QueueOutcome(ok=False, reason="not_found")
    view = handoff_view(handoff)
    if won:
        return QueueOutcome(ok=True, reason=None, handoff=view)
    return QueueOutcome(ok=False, reason=_refusal(handoff, target, agent), handoff=view)


def _refusal(handoff: Handoff, target: str, agent: Agent | None) -> str:
    if handoff.state == "assigned" and target == "assigned":
        return "already_assigned"
    if handoff.state == "assigned" and agent is not None and handoff.assigned_agent_id != agent.id:
        return "not_assignee"
    return "illegal_transition"


def _entries(handoffs: Sequence[Handoff], now: datetime) -> list[QueueEntry]:
    counters: dict[str, int] = {}
    entries = []
    for handoff in handoffs:
        position = None
        if handoff.state == "queued":
            position = counters[handoff.team] = counters.get(handoff.team, 0) + 1
        entries.append(_entry(handoff, position, now))
    return entries


def _entry(handoff: Handoff, position: int | None, now: datetime) -> QueueEntry:
    """The wait (and the SLA) runs until an agent picks the customer up."""
    picked_up = handoff.assigned_at if handoff.state not in WAITING_STATES else None
    until = picked_up or now
    customer, agent = handoff.customer, handoff.assigned_agent
    return QueueEntry(
        handoff=handoff_view(handoff),
        position=position,
        waited_minutes=minutes_between(handoff.queued_at, until),
        sla_due_at=handoff.sla_due_at,
        sla_minutes_left=_minutes_until(handoff.sla_due_at, until),
        sla_breached=handoff.sla_due_at is not None and until > handoff.sla_due_at,
        customer_name=f"{customer.first_name} {customer.last_name}" if customer else None,
        customer_tier=customer.tier if customer else None,
        agent_name=agent.display_name if agent else None,
    )


def _minutes_until(due: datetime | None, moment: datetime) -> int | None:
    """Whole minutes, rounded down: one second late is -1."""
    return None if due is None else int((due - moment).total_seconds() // 60)


def _serving_agent(uow: AbstractUnitOfWork, agent_id: object) -> Agent | None:
    """An active agent or supervisor; trainers review conversations but take none."""
    agent = _active_agent(uow, agent_id)
    return agent if agent is not None and agent.role in SERVING_ROLES else None


def _may_read_id(uow: AbstractUnitOfWork, agent: Agent, handoff_id: object) -> bool:
    """False only for an open handoff that is not the agent's to read; a missing or closed
    one is left to the transition, which says why ("not_found", "illegal_transition")."""
    identifier = valid_id(handoff_id)
    handoff = uow.handoffs.get(handoff_id=identifier) if identifier else None
    if handoff is None or handoff.state not in ACTIVE_HANDOFF_STATES:
        return True
    return may_read(agent_view(agent), handoff_view(handoff))


def _active_agent(uow: AbstractUnitOfWork, agent_id: object) -> Agent | None:
    identifier = valid_id(agent_id)
    agent = uow.agents.get(agent_id=identifier) if identifier is not None else None
    return agent if agent is not None and agent.active else None


def _unless_supervisor(agent: Agent) -> int | None:
    """Supervisors may act on anyone's handoff; agents only on their own."""
    return None if agent.role == "supervisor" else agent.id
