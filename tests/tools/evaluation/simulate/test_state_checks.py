"""The store resolvers against a real seeded store that the test changes as the bot would."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.services import interactions, orders
from bot.store.db import session_factory
from bot.store.models import Handoff
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.tools.evaluation.simulate.conftest import judge_for, turn
from tests.tools.evaluation.simulate.test_reply_checks import maria
from tools.evaluation.simulate.record import Judge
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.state_checks import STATE_CHECKS
from tools.evaluation.simulate.store import StoreReader

CONVERSATION = "c-1"


@pytest.fixture
def judge(fresh_store_url: str, shop: ShopFacts) -> Judge:
    return judge_for(maria(fresh_store_url), fresh_store_url, shop)


def uow(url: str) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(session_factory(url))


def verdict(kind: str, value: object, judge: Judge, url: str) -> str | None:
    after = StoreReader(url).snapshot(
        customer_ids=judge.cast.customer_ids, conversation_id=CONVERSATION
    )
    return STATE_CHECKS[kind](value, turn("ok", before=judge.start, after=after), judge)


def test_a_cancellation_shows_on_the_right_order_only(judge: Judge, fresh_store_url: str) -> None:
    state = {"order": "waiting", "status": "cancelled"}
    assert verdict("order_state", state, judge, fresh_store_url) == (
        "order 100001 is processing, not cancelled"
    )
    maria_id = judge.cast.persona.id  # type: ignore[union-attr]
    assert orders.cancel_order(uow(fresh_store_url), customer_id=maria_id, order_number="100001").ok
    assert verdict("order_state", state, judge, fresh_store_url) is None
    assert verdict("order_unchanged", ("moving",), judge, fresh_store_url) is None
    assert verdict("order_unchanged", ("waiting", "moving"), judge, fresh_store_url) == (
        "order 100001 went from processing to cancelled"
    )
    assert verdict("store_unchanged", True, judge, fresh_store_url) == (
        "order 100001 went from processing to cancelled"
    )


def test_an_address_change_is_read_back_from_the_store(judge: Judge, fresh_store_url: str) -> None:
    value = {"order": "waiting", "contains": ("27 Harbour Street", "bristol")}
    assert "12 Oak Street" in str(verdict("order_address", value, judge, fresh_store_url))
    maria_id = judge.cast.persona.id  # type: ignore[union-attr]
    changed = orders.change_address(
        uow(fresh_store_url),
        customer_id=maria_id,
        order_number="100001",
        address="27 Harbour Street, Bristol, BS1 5TT, UK",
    )
    assert changed.ok
    assert verdict("order_address", value, judge, fresh_store_url) is None
    assert verdict("store_unchanged", True, judge, fresh_store_url) == (
        "order 100001's address became 27 Harbour Street, Bristol, BS1 5TT, UK"
    )


def test_a_new_refund_counts_an_old_one_does_not(judge: Judge, fresh_store_url: str) -> None:
    assert verdict("refund_requested", "done", judge, fresh_store_url) == (
        "no new refund for order 100003"
    )
    _sql(
        fresh_store_url,
        "INSERT INTO refunds (order_id, amount_cents, status, reason, "
        "created_at, updated_at) SELECT id, 7900, 'requested', 'x', "
        "'2024-06-01 12:00:00', '2024-06-01 12:00:00' FROM orders "
        "WHERE number = '100003'",
    )
    assert verdict("refund_requested", "done", judge, fresh_store_url) is None
    assert verdict("store_unchanged", True, judge, fresh_store_url) == (
        "order 100003 got a refund (requested)"
    )


def _sql(url: str, statement: str) -> None:
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def test_handoffs_of_this_conversation(judge: Judge, fresh_store_url: str) -> None:
    assert verdict("no_handoff", True, judge, fresh_store_url) is None
    assert verdict("handoff", {}, judge, fresh_store_url) == "no handoff for this conversation"
    _handoff(fresh_store_url, "someone-else", "billing", ["explicit_request"])
    assert verdict("handoff", {}, judge, fresh_store_url) == "no handoff for this conversation"
    _handoff(fresh_store_url, CONVERSATION, "orders", ["conflict"])
    assert verdict("handoff", {}, judge, fresh_store_url) is None
    assert verdict("handoff", {"team": "billing"}, judge, fresh_store_url) == (
        "handed to team orders, not billing"
    )
    assert verdict("no_handoff", True, judge, fresh_store_url) == (
        "handed off to team orders (queued; conflict)"
    )


def _handoff(url: str, conversation_id: str, team: str, reasons: list[str]) -> None:
    """A queued handoff as the product's queue writes one (bot/services/queue.py)."""
    with session_factory(url)() as session:
        session.add(
            Handoff(conversation_id=conversation_id, state="queued", team=team, reasons=reasons)
        )
        session.commit()


def test_feedback_kept_for_the_team(judge: Judge, fresh_store_url: str) -> None:
    assert verdict("feedback_recorded", True, judge, fresh_store_url) == (
        "no feedback kept for the team in this conversation"
    )
    interactions.log_interaction(
        uow(fresh_store_url),
        conversation_id=CONVERSATION,
        customer_id=None,
        intent="give_feedback",
        interaction_type="feedback",
        action="action_record_feedback",
        outcome="feedback_recorded",
        details={"feedback": "the fleece is lovely"},
    )
    assert verdict("feedback_recorded", True, judge, fresh_store_url) is None
