"""The widget's end-of-chat rating and NPS answer: which ones are taken, and what is answered.

A rating counts towards CSAT, so it is taken only from the holder of a conversation in which
the customer wrote and was answered, and only once: sessions that never chatted, or one
conversation rated again and again, sank CSAT to 0 % (issue 14, finding 10). The NPS answer is
taken once, in the conversation that asked it (after its rating). Each refusal is an
`InvalidInput` with a stable code that the channel sends back as an ``error`` event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.channels import widget_events
from bot.channels.validation import InvalidInput
from bot.kpis.nps import valid_score
from bot.services.ratings import AlreadyRated, valid_rating

if TYPE_CHECKING:
    from bot.channels.handoff import Conversations

logger = logging.getLogger(__name__)

NOT_HELD = "session_not_held"
BAD_RATING = "bad_rating"
NO_CONVERSATION = "rating_not_allowed"  # nothing to rate yet: the customer was never answered
RATED = "rating_already_given"
BAD_NPS = "bad_nps"
NPS_NOT_ASKED = "nps_not_asked"
RATING_FAILED = InvalidInput("rating_failed", "The rating could not be saved; sorry.")
NPS_FAILED = InvalidInput("nps_failed", "The answer could not be saved; sorry.")


async def rate(
    conversations: Conversations | None,
    new_uow: Callable[[], Any] | None,
    *,
    conversation_id: str,
    payload: dict[str, Any],
    session: dict[str, Any],
) -> dict[str, Any]:
    """Store the rating; the ``rating_saved`` reply, with ``nps: true`` when the customer is
    asked the NPS question now."""
    if not session.get("held"):
        raise InvalidInput(NOT_HELD, "Only the holder of the conversation may rate it.")
    if valid_rating(payload.get("rating")) is None:
        raise InvalidInput(BAD_RATING, "The rating must be a whole number from 1 to 5.")
    if not await widget_events.had_exchange(conversations, conversation_id):
        raise InvalidInput(NO_CONVERSATION, "Chat with us first, then rate the conversation.")
    try:
        saved = await widget_events.record_rating(
            new_uow,
            conversation_id=conversation_id,
            rating=payload.get("rating"),
            comment=payload.get("comment"),
            customer_public_id=session.get("owner"),
            replace=False,
        )
    except AlreadyRated:
        raise InvalidInput(RATED, "This conversation has been rated already.") from None
    if saved is None:
        raise InvalidInput(BAD_RATING, "The rating must be a whole number from 1 to 5.")
    reply: dict[str, Any] = {"session_id": conversation_id, "rating": saved.rating}
    if await _ask_nps(new_uow, session.get("owner"), conversation_id):
        reply["nps"] = True
    return reply


async def _ask_nps(
    new_uow: Callable[[], Any] | None, owner: str | None, conversation_id: str
) -> bool:
    """NPS is a bonus: a failure here must not lose the rating's answer."""
    try:
        return await widget_events.ask_nps(
            new_uow, customer_public_id=owner, conversation_id=conversation_id
        )
    except Exception:
        logger.exception("Could not decide whether to ask the NPS question.")
        return False


async def answer_nps(
    new_uow: Callable[[], Any] | None,
    *,
    conversation_id: str,
    payload: dict[str, Any],
    session: dict[str, Any],
) -> dict[str, Any]:
    """Store the answer to the question this conversation asked; the ``nps_saved`` reply."""
    if not session.get("held") or not session.get("owner"):
        raise InvalidInput(NOT_HELD, "Only a signed-in customer who was asked may answer.")
    if valid_score(payload.get("score")) is None:
        raise InvalidInput(BAD_NPS, "The answer must be a whole number from 0 to 10.")
    score = await widget_events.record_nps(
        new_uow,
        customer_public_id=session.get("owner"),
        conversation_id=conversation_id,
        score=payload.get("score"),
        comment=payload.get("comment"),
    )
    if score is None:
        raise InvalidInput(NPS_NOT_ASKED, "There is no open question in this conversation.")
    return {"score": score}
