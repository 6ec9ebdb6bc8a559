from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.escalation import Signals, decide
from bot.services import passwords, queue
from bot.services.customers import greeting_context
from bot.services.views import CustomerView, QueueTicket
from bot.store.models import Handoff
from bot.store.repositories import HandoffRepository
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import (
    ALWAYS_OPEN,
    MONDAY_OPENING,
    NOW,
    POLICY,
    SATURDAY,
    agent,
    decision,
    empty_store,
)
from tools.seed.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def bare_factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with empty_store(request.param) as (_url, factory):
        yield factory


@pytest.fixture
def bare(bare_factory: sessionmaker) -> UoW:
    """An empty store on SQLite and PostgreSQL: most queue tests need no customers."""
    return UoW(bare_factory)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Agents' passwords are not what these tests are about."""
    monkeypatch.setattr(passwords, "COST_N", 2**4)


def enqueue(
    uow: UoW,
    conversation: str,
    kind: str = "conflict",
    *,
    vip: bool = False,
    team: str = "general",
    at: datetime = NOW,
    customer_id: int | None = None,
) -> QueueTicket:
    return queue.enqueue(
        uow,
        conversation_id=conversation,
        customer_id=customer_id,
        decision=decision(kind, vip=vip, team=team),
        interaction_type=kind,
        intent="complaint" if kind == "conflict" else "order_status",
        summary=f"{conversation} needs help",
        now=at,
        policy=POLICY,
    )


def test_a_customer_is_queued_with_the_explained_decision(uow: UoW, aiko: CustomerView) -> None:
    signals = Signals(
        intent="complaint",
        interaction_type="conflict",
        interaction_confidence=0.91,
        customer_tier=aiko.tier,
    )
    ticket = queue.enqueue(
        uow,
        conversation_id="conv-1",
        customer_id=aiko.id,
        decision=decide(signals, POLICY),
        interaction_type="conflict",
        intent="complaint",
        summary="The jacket arrived torn.",
        now=NOW,
        policy=POLICY,
    )
    handoff = ticket.handoff
    assert (ticket.position, ticket.expected_wait_minutes, ticket.outside_hours) == (1, 8, False)
    assert (handoff.state, handoff.priority, handoff.vip, handoff.team) == (
        "queued",
        1,
        True,
        "general",
    )
    assert handoff.reasons == ("conflict", "vip")
    assert handoff.explanations[0].explanation == "conflict (complaint) with confidence 0.91 ≥ 0.6"
    assert handoff.score == 1.2
    assert (handoff.queued_at, handoff.sla_due_at) == (NOW, NOW + timedelta(minutes=15))
    assert queue.active_handoff_for(uow, conversation_id="conv-1") == handoff
    assert queue.conversation_state(uow, conversation_id="conv-1") == "queued"
    assert queue.has_active_handoff(uow, conversation_id="conv-1")
    assert not queue.has_active_handoff(uow, conversation_id="conv-2")


def test_outside_business_hours_a_ticket_is_created(bare: UoW) -> None:
    ticket = enqueue(bare, "weekend", "service", at=SATURDAY)
    assert ticket.handoff.state == "ticket"
    assert (ticket.position, ticket.expected_wait_minutes) == (None, None)
    assert (ticket.outside_hours, ticket.next_open) == (True, MONDAY_OPENING)
    # The SLA clock starts when the shop opens.
    assert ticket.handoff.sla_due_at == MONDAY_OPENING + timedelta(minutes=30)
    assert queue.list_queue(bare, now=SATURDAY) == []
    [listed] = queue.list_queue(bare, now=SATURDAY, states=("ticket",))
    assert listed.position is None


def test_asking_again_merges_into_the_active_handoff(bare: UoW, bare_factory: sessionmaker) -> None:
    first = enqueue(bare, "conv-1", "informative")
    again = enqueue(
        bare, "conv-1", "conflict", vip=True, team="orders", at=NOW + timedelta(minutes=5)
    )
    handoff = again.handoff
    assert handoff.id == first.handoff.id
    assert (handoff.priority, handoff.vip, handoff.team) == (1, True, "orders")
    assert handoff.reasons == ("informative", "conflict")
    assert handoff.queued_at == NOW  # the customer keeps their place in time
    assert handoff.sla_due_at == NOW + timedelta(minutes=15)
    with bare_factory() as session:
        assert len(session.scalars(select(Handoff)).all()) == 1


def test_a_merge_never_lowers_the_priority(bare: UoW) -> None:
    enqueue(bare, "conv-1", "conflict")
    again = enqueue(bare, "conv-1", "informative")
    assert again.handoff.priority == 1


def test_the_queue_is_ordered_by_priority_vip_and_age(bare: UoW) -> None:
    arrivals = [
        ("informative", "old-info", False),
        ("service", "service", False),
        ("conflict", "conflict", False),
        ("service", "vip-service", True),
        ("conflict", "vip-conflict", True),
        ("conflict", "late-conflict", False),
    ]
    for minute, (kind, conversation, vip) in enumerate(arrivals):
        enqueue(bare, conversation, kind, vip=vip, at=NOW + timedelta(minutes=minute))
    entries = queue.list_queue(bare, now=NOW + timedelta(minutes=10))
    assert [e.handoff.conversation_id for e in entries] == [
        "vip-conflict",
        "conflict",
        "late-conflict",
        "vip-service",
        "service",
        "old-info",
    ]
    assert [e.position for e in entries] == [1, 2, 3, 4, 5, 6]
    assert [e.waited_minutes for e in entries] == [6, 8, 5, 7, 9, 10]


def test_positions_and_waits_are_per_team(bare: UoW) -> None:
    enqueue(bare, "o1", "service", team="orders")
    enqueue(bare, "b1", "service", team="billing")
    second = enqueue(bare, "o2", "service", team="orders", at=NOW + timedelta(minutes=1))
    assert (second.position, second.expected_wait_minutes) == (2, 16)
    agent(bare, "olga", team="orders")
    agent(bare, "any")  # no team: takes every team
    agent(bare, "bill", team="billing")
    moved = queue.position_of(bare, handoff_id=second.handoff.id, now=NOW, policy=POLICY)
    assert moved is not None and (moved.position, moved.expected_wait_minutes) == (2, 8)
    orders = queue.list_queue(bare, team="orders", now=NOW)
    assert [(e.handoff.conversation_id, e.position) for e in orders] == [("o1", 1), ("o2", 2)]


def test_a_vip_complaint_overtakes_the_queue(uow: UoW, aiko: CustomerView) -> None:
    enqueue(uow, "c1", "conflict")
    enqueue(uow, "s1", "service")
    vip = enqueue(
        uow, "vip", "conflict", vip=True, at=NOW + timedelta(minutes=3), customer_id=aiko.id
    )
    assert vip.position == 1
    [first, *_] = queue.list_queue(uow, now=NOW + timedelta(minutes=3))
    assert (first.customer_name, first.customer_tier) == ("Aiko Tanaka", "vip")


def test_the_sla_breach_is_flagged(bare: UoW) -> None:
    enqueue(bare, "conflict", "conflict")  # 15 minutes
    enqueue(bare, "service", "service")  # 30 minutes
    entries = queue.list_queue(bare, now=NOW + timedelta(minutes=16))
    assert [(e.handoff.conversation_id, e.sla_breached) for e in entries] == [
        ("conflict", True),
        ("service", False),
    ]
    assert [e.sla_minutes_left for e in entries] == [-1, 14]


def test_the_wait_stops_when_an_agent_picks_up(bare: UoW) -> None:
    ticket = enqueue(bare, "c1", "conflict")
    alex = agent(bare, "alex")
    queue.claim(
        bare, handoff_id=ticket.handoff.id, agent_id=alex.id, now=NOW + timedelta(minutes=4)
    )
    [entry] = queue.list_queue(bare, now=NOW + timedelta(hours=1), states=("assigned",))
    assert (entry.waited_minutes, entry.sla_breached, entry.position) == (4, False, None)
    assert entry.agent_name == "Alex"


def test_the_full_life_cycle_returns_the_conversation_to_the_bot(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    claimed = queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id, now=NOW)
    assert claimed.ok and claimed.handoff is not None
    assert (claimed.handoff.state, claimed.handoff.assigned_agent_id) == ("assigned", alex.id)
    assert queue.conversation_state(bare, conversation_id="conv-1") == "assigned"
    assert queue.has_active_handoff(bare, conversation_id="conv-1")
    resolved = queue.resolve(bare, handoff_id=handoff_id, agent_id=alex.id, disposition="solved")
    assert resolved.ok and resolved.handoff is not None
    assert (resolved.handoff.state, resolved.handoff.disposition) == ("resolved", "solved")
    assert queue.conversation_state(bare, conversation_id="conv-1") == "bot"
    assert queue.active_handoff_for(bare, conversation_id="conv-1") is None
    assert not queue.has_active_handoff(bare, conversation_id="conv-1")
    assert enqueue(bare, "conv-1").handoff.id != handoff_id  # a new request, a new handoff


def test_a_claimed_handoff_cannot_be_claimed_again(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex, bea = agent(bare, "alex"), agent(bare, "bea")
    assert queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id).ok
    second = queue.claim(bare, handoff_id=handoff_id, agent_id=bea.id)
    assert (second.ok, second.reason) == (False, "already_assigned")
    assert second.handoff is not None and second.handoff.assigned_agent_id == alex.id


@pytest.mark.parametrize(
    ("steps", "refused", "reason"),
    [
        ((), "resolve", "illegal_transition"),  # queued, never claimed
        (("claim", "resolve"), "resolve", "illegal_transition"),
        (("claim", "resolve"), "claim", "illegal_transition"),
        (("claim", "resolve"), "transfer", "illegal_transition"),
        (("claim", "resolve"), "abandon", "not_found"),
        (("abandon",), "claim", "illegal_transition"),
        (("abandon",), "resolve", "illegal_transition"),
    ],
)
def test_illegal_transitions_are_refused(
    bare: UoW, steps: tuple[str, ...], refused: str, reason: str
) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    actions = {
        "claim": lambda: queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id),
        "resolve": lambda: queue.resolve(
            bare, handoff_id=handoff_id, agent_id=alex.id, disposition="solved"
        ),
        "transfer": lambda: queue.transfer(
            bare, handoff_id=handoff_id, agent_id=alex.id, team="billing", policy=POLICY
        ),
        "abandon": lambda: queue.abandon(bare, conversation_id="conv-1"),
    }
    for step in steps:
        assert actions[step]().ok, step
    outcome = actions[refused]()
    assert (outcome.ok, outcome.reason) == (False, reason)


def test_only_the_assignee_or_a_supervisor_resolves(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex, bea, sue = agent(bare, "alex"), agent(bare, "bea"), agent(bare, "sue", role="supervisor")
    queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id)
    other = queue.resolve(bare, handoff_id=handoff_id, agent_id=bea.id, disposition="solved")
    assert (other.ok, other.reason) == (False, "not_assignee")
    boss = queue.resolve(bare, handoff_id=handoff_id, agent_id=sue.id, disposition="spam")
    assert boss.ok and boss.handoff is not None and boss.handoff.disposition == "spam"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"handoff_id": 424242}, "not_found"),
        ({"handoff_id": -1}, "not_found"),
        ({"agent_id": 424242}, "unknown_agent"),
        ({"agent_id": "alex"}, "unknown_agent"),
    ],
)
def test_claims_need_a_real_handoff_and_agent(bare: UoW, kwargs: dict, reason: str) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    outcome = queue.claim(bare, **{"handoff_id": handoff_id, "agent_id": alex.id, **kwargs})
    assert (outcome.ok, outcome.reason) == (False, reason)


def test_trainers_and_inactive_agents_take_no_conversations(bare: UoW) -> None:
    from bot.services.agents import set_active

    handoff_id = enqueue(bare, "conv-1").handoff.id
    tina, old = agent(bare, "tina", role="trainer"), agent(bare, "old")
    set_active(bare, username="old", active=False)
    for someone in (tina, old):
        assert (
            queue.claim(bare, handoff_id=handoff_id, agent_id=someone.id).reason == "unknown_agent"
        )


def test_a_ticket_can_be_claimed_when_the_shop_opens(bare: UoW) -> None:
    handoff_id = enqueue(bare, "weekend", "service", at=SATURDAY).handoff.id
    alex = agent(bare, "alex")
    outcome = queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id, now=MONDAY_OPENING)
    assert outcome.ok and outcome.handoff is not None and outcome.handoff.state == "assigned"


def test_transfer_moves_a_handoff_to_another_teams_queue(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1", team="orders").handoff.id
    alex, bea = agent(bare, "alex"), agent(bare, "bea")
    moved = queue.transfer(
        bare, handoff_id=handoff_id, agent_id=bea.id, team="billing", policy=POLICY
    )
    assert moved.ok and moved.handoff is not None and moved.handoff.team == "billing"
    queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id)
    refused = queue.transfer(
        bare, handoff_id=handoff_id, agent_id=bea.id, team="orders", policy=POLICY
    )
    assert refused.reason == "not_assignee"
    back = queue.transfer(
        bare, handoff_id=handoff_id, agent_id=alex.id, team="technical", policy=POLICY
    )
    assert back.ok and back.handoff is not None
    assert (back.handoff.state, back.handoff.team, back.handoff.assigned_agent_id) == (
        "queued",
        "technical",
        None,
    )
    assert back.handoff.queued_at == NOW  # keeps its age in the new queue


def test_transfer_to_an_unknown_team_is_refused(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    outcome = queue.transfer(
        bare, handoff_id=handoff_id, agent_id=alex.id, team="legal", policy=POLICY
    )
    assert (outcome.ok, outcome.reason) == (False, "unknown_team")


def test_resolve_needs_a_known_disposition(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    queue.claim(bare, handoff_id=handoff_id, agent_id=alex.id)
    outcome = queue.resolve(bare, handoff_id=handoff_id, agent_id=alex.id, disposition="meh")
    assert (outcome.ok, outcome.reason) == (False, "unknown_disposition")


def test_a_customer_who_leaves_abandons_the_handoff(bare: UoW) -> None:
    enqueue(bare, "conv-1")
    outcome = queue.abandon(bare, conversation_id="conv-1", now=NOW + timedelta(minutes=2))
    assert outcome.ok and outcome.handoff is not None
    assert (outcome.handoff.state, outcome.handoff.resolved_at) == (
        "abandoned",
        NOW + timedelta(minutes=2),
    )
    assert queue.list_queue(bare, now=NOW) == []
    assert queue.abandon(bare, conversation_id="conv-1").reason == "not_found"


def test_customers_not_seen_for_a_while_are_abandoned(bare: UoW) -> None:
    enqueue(bare, "gone")
    enqueue(bare, "here")
    assert queue.mark_seen(bare, conversation_id="here", now=NOW + timedelta(minutes=10))
    assert not queue.mark_seen(bare, conversation_id="nobody")
    later = NOW + timedelta(minutes=POLICY.abandon_after_minutes + 1)
    gone = queue.abandon_unseen(bare, now=later, policy=POLICY)
    assert [ref.conversation_id for ref in gone] == ["gone"]
    assert queue.conversation_state(bare, conversation_id="gone") == "bot"
    assert queue.conversation_state(bare, conversation_id="here") == "queued"
    assert queue.abandon_unseen(bare, now=later, policy=POLICY) == []  # once only


def test_connected_customers_are_present_and_stay_queued(bare: UoW) -> None:
    enqueue(bare, "connected", "service")
    enqueue(bare, "left", "conflict")
    assert queue.queued_conversations(bare) == ["left", "connected"]  # most urgent first
    later = NOW + timedelta(minutes=POLICY.abandon_after_minutes + 1)
    assert queue.mark_present(bare, conversation_ids={"connected", "nobody"}, now=later) == 1
    assert queue.mark_present(bare, conversation_ids=set(), now=later) == 0
    gone = queue.abandon_unseen(bare, now=later, policy=POLICY)
    assert [ref.conversation_id for ref in gone] == ["left"]
    assert queue.queued_conversations(bare) == ["connected"]


def test_at_closing_time_the_queue_becomes_tickets(bare: UoW) -> None:
    enqueue(bare, "c1", "conflict")
    enqueue(bare, "s1", "service")
    assert queue.queued_to_tickets(bare, now=NOW, policy=POLICY) == ([], NOW)  # still open
    friday_evening = datetime(2024, 6, 7, 17, 0, tzinfo=NOW.tzinfo)
    moved, opens = queue.queued_to_tickets(bare, now=friday_evening, policy=POLICY)
    assert [ref.conversation_id for ref in moved] == ["c1", "s1"]
    assert opens == MONDAY_OPENING
    tickets = queue.list_queue(bare, now=friday_evening, states=("ticket",))
    assert [e.sla_due_at for e in tickets] == [
        MONDAY_OPENING + timedelta(minutes=15),
        MONDAY_OPENING + timedelta(minutes=30),
    ]


def test_notes_are_private_to_the_agents(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    note = queue.add_note(bare, handoff_id=handoff_id, agent_id=alex.id, body=" Called her back. ")
    assert note is not None and (note.body, note.agent_name) == ("Called her back.", "Alex")
    assert queue.notes_for(bare, handoff_id=handoff_id) == [note]
    handoff = queue.active_handoff_for(bare, conversation_id="conv-1")
    assert handoff is not None and "Called" not in repr(handoff)


@pytest.mark.parametrize(
    "kwargs",
    [{"body": "   "}, {"body": None}, {"handoff_id": 424242}, {"agent_id": 424242}],
)
def test_bad_notes_are_refused(bare: UoW, kwargs: dict) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    alex = agent(bare, "alex")
    values = {"handoff_id": handoff_id, "agent_id": alex.id, "body": "fine", **kwargs}
    assert queue.add_note(bare, **values) is None


def test_the_greeting_still_knows_about_an_assigned_handoff(uow: UoW, james: CustomerView) -> None:
    handoff_id = enqueue(uow, "conv-1", customer_id=james.id).handoff.id
    queue.claim(uow, handoff_id=handoff_id, agent_id=agent(uow, "alex").id)
    context = greeting_context(uow, customer_id=james.id)
    assert context is not None and context.open_handoff is True


def test_asking_again_merges_into_an_assigned_handoff(bare: UoW) -> None:
    handoff_id = enqueue(bare, "conv-1").handoff.id
    queue.claim(bare, handoff_id=handoff_id, agent_id=agent(bare, "alex").id)
    merged = enqueue(bare, "conv-1", "service").handoff
    assert (merged.id, merged.state) == (handoff_id, "assigned")


def test_a_racing_second_enqueue_is_merged(
    bare: UoW, bare_factory: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If another process queued the conversation between our look-up and our insert,
    the unique index refuses the second row and the retry merges into the first."""
    first = enqueue(bare, "race", "service")
    original = HandoffRepository.active_for_conversation
    blind = iter([True])

    def blind_once(self: HandoffRepository, *, conversation_id: str) -> Handoff | None:
        if next(blind, False):
            return None
        return original(self, conversation_id=conversation_id)

    monkeypatch.setattr(HandoffRepository, "active_for_conversation", blind_once)
    second = enqueue(bare, "race", "conflict")
    assert (second.handoff.id, second.handoff.priority) == (first.handoff.id, 1)
    with bare_factory() as session:
        assert len(session.scalars(select(Handoff)).all()) == 1


def test_the_default_policy_is_the_projects_file(bare: UoW) -> None:
    ticket = queue.enqueue(
        bare,
        conversation_id="conv-1",
        customer_id=None,
        decision=decision("service"),
        interaction_type="service",
        intent="order_status",
        now=NOW,
    )
    assert ticket.handoff.state == "queued" and ticket.expected_wait_minutes == 8


def test_always_open_hours_never_make_tickets(bare: UoW) -> None:
    ticket = queue.enqueue(
        bare,
        conversation_id="night",
        customer_id=None,
        decision=decision("service"),
        interaction_type="service",
        intent="order_status",
        now=SATURDAY,
        policy=ALWAYS_OPEN,
    )
    assert ticket.handoff.state == "queued"


def test_a_tickets_sla_counts_from_the_opening(bare: UoW) -> None:
    enqueue(bare, "weekend", "conflict", at=SATURDAY)
    [entry] = queue.list_queue(bare, now=SATURDAY, states=("ticket",))
    assert (entry.sla_breached, entry.sla_minutes_left) == (False, 2 * 24 * 60 - 3 * 60 + 15)
    [later] = queue.list_queue(bare, now=MONDAY_OPENING + timedelta(minutes=20), states=("ticket",))
    assert (later.sla_breached, later.sla_minutes_left) == (True, -5)
