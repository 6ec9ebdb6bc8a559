"""What the web channel answers our widget beyond Rasa's protocol: the history of a session
its holder resumes, the conversation's handoff state, and the end-of-chat rating (only of a
real conversation: the customer wrote and was answered).

Store and tracker calls fail soft: the chat goes on without a history or a state rather
than with an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.blocking import in_thread
from bot.channels.history import HISTORY_LIMIT, widget_messages

if TYPE_CHECKING:
    from bot.channels.handoff import Conversations, HandoffRelay
    from bot.services.ratings import RatingView

logger = logging.getLogger(__name__)


async def history_payload(
    conversations: Conversations | None,
    relay: HandoffRelay | None,
    session_id: str,
    *,
    held: bool,
) -> dict[str, Any]:
    """What the holder of a session sees again after a reload; nothing for anyone else."""
    messages: list[dict[str, Any]] = []
    if held and conversations is not None:
        try:
            events, _ = await conversations.history(session_id)
            messages = widget_messages(events, limit=HISTORY_LIMIT)
        except Exception:
            logger.exception("No history for conversation %s.", session_id)
    state = await handoff_state(relay, session_id) if held else None
    return {"session_id": session_id, "messages": messages, "state": state}


async def handoff_state(relay: HandoffRelay | None, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's handoff as the widget shows it: {status, position, wait_minutes,
    next_open}; {"status": "bot"} without one; None without the relay or the store."""
    if relay is None:
        return None
    try:
        handoff = await in_thread(relay.store.active_handoff, conversation_id)
        if handoff is None:
            return {"status": "bot"}
        ticket = await in_thread(relay.store.queue_position, handoff.id)
    except Exception:
        logger.exception("No handoff state for %s.", conversation_id)
        return None
    state: dict[str, Any] = {"status": handoff.state}
    if ticket is not None:
        state.update(position=ticket.position, wait_minutes=ticket.expected_wait_minutes)
        if ticket.next_open is not None:
            state["next_open"] = ticket.next_open.isoformat()
    return state


async def had_exchange(conversations: Conversations | None, conversation_id: str) -> bool:
    """Whether the customer wrote in this conversation and the bot (or an agent) answered:
    what makes it a conversation worth a rating. Without the tracker, nothing is rated."""
    if conversations is None:
        return False
    events, _ = await conversations.history(conversation_id)
    wrote = False
    for event in events:
        if event.get("event") == "user" and event.get("text"):
            wrote = True
        elif wrote and event.get("event") == "bot" and (event.get("text") or event.get("data")):
            return True
    return False


async def record_rating(new_uow: Callable[[], Any] | None, **fields: Any) -> RatingView | None:
    """`bot.services.ratings.record_rating` in a thread; the store's default unit of work."""
    from bot.services.ratings import record_rating as record

    if new_uow is None:
        from bot.store.unit_of_work import SqlAlchemyUnitOfWork

        new_uow = SqlAlchemyUnitOfWork
    return await in_thread(record, new_uow(), **fields)


def _store(new_uow: Callable[[], Any] | None) -> Callable[[], Any]:
    if new_uow is None:
        from bot.store.unit_of_work import SqlAlchemyUnitOfWork

        return SqlAlchemyUnitOfWork
    return new_uow


def _customer_id(new_uow: Callable[[], Any], public_id: str | None) -> int | None:
    from bot.services.customers import find_customer_by_public_id

    if not public_id:
        return None
    customer = find_customer_by_public_id(new_uow(), public_id=public_id)
    return customer.id if customer is not None else None


async def ask_nps(
    new_uow: Callable[[], Any] | None, *, customer_public_id: str | None, conversation_id: str
) -> bool:
    """After a rating: whether this signed-in customer is asked the NPS question now (a
    configurable share, at most once per N days; bot/kpis/nps.py). The question is recorded."""
    from bot.kpis.nps import mark_asked

    store = _store(new_uow)

    def ask() -> bool:
        customer_id = _customer_id(store, customer_public_id)
        if customer_id is None:
            return False
        asked = mark_asked(store(), customer_id=customer_id, conversation_id=conversation_id)
        return asked is not None

    return await in_thread(ask)


async def record_nps(
    new_uow: Callable[[], Any] | None,
    *,
    customer_public_id: str | None,
    conversation_id: str,
    score: object,
    comment: object = None,
) -> int | None:
    """The answer to the NPS question asked in this conversation; None if there is none
    open (or the score is bad)."""
    from bot.kpis.nps import record_answer

    store = _store(new_uow)

    def record() -> int | None:
        customer_id = _customer_id(store, customer_public_id)
        answer = record_answer(
            store(),
            customer_id=customer_id,
            score=score,
            comment=comment,
            conversation_id=conversation_id,
        )
        return answer.score if answer is not None else None

    return await in_thread(record)
