"""NPS: whether to ask this customer now, recording that they were asked, and their answer.

Only identified customers are asked, because "at most once per customer per N days" needs
to know who they are. Which customers are asked is a stable draw: a hash of the customer
and the current N-day period falls under the configured share, so the same customer gets
the same answer all period, and the asked share matches the setting without stored state.
The chat widget calls `should_ask` at the end of a conversation, `mark_asked` when it
shows the question and `record_answer` with the score.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol

from sqlalchemy.orm import Session

from bot.kpis.nps_repository import NpsRepository
from bot.services.inputs import clean_text
from bot.store.columns import utcnow
from bot.store.models import Customer, NpsResponse

MAX_COMMENT_LENGTH = 1000
SCORES = range(0, 11)


class SessionUnitOfWork(Protocol):
    """What the service needs of a unit of work (SqlAlchemyUnitOfWork is one)."""

    @property
    def session(self) -> Session: ...

    def __enter__(self) -> SessionUnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


@dataclass(frozen=True)
class NpsPolicy:
    share_percent: int = 10
    every_days: int = 90

    def __post_init__(self) -> None:
        if not 0 <= self.share_percent <= 100:
            raise ValueError("the NPS share is a percentage, 0 to 100")
        if self.every_days <= 0:
            raise ValueError("NPS needs a positive number of days between questions")

    @classmethod
    def from_settings(cls) -> NpsPolicy:
        from bot.settings import get_settings

        settings = get_settings()
        return cls(settings.nps_share_percent, settings.nps_every_days)


@dataclass(frozen=True)
class NpsDecision:
    ask: bool
    # ask, anonymous, unknown_customer, asked_recently, not_sampled
    reason: str


@dataclass(frozen=True)
class NpsView:
    id: int
    customer_id: int
    conversation_id: str | None
    score: int | None
    comment: str | None
    asked_at: datetime
    answered_at: datetime | None


def sampled(customer_id: int, now: datetime, policy: NpsPolicy) -> bool:
    """The stable draw: is this customer in the asked share for the current period?"""
    period = now.toordinal() // policy.every_days
    digest = hashlib.sha256(f"nps:{customer_id}:{period}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < policy.share_percent * 100


def should_ask(
    uow: SessionUnitOfWork,
    *,
    customer_id: int | None,
    now: datetime | None = None,
    policy: NpsPolicy | None = None,
) -> NpsDecision:
    moment, rules = now or utcnow(), policy or NpsPolicy.from_settings()
    if customer_id is None or isinstance(customer_id, bool) or not isinstance(customer_id, int):
        return NpsDecision(False, "anonymous")
    with uow:
        if uow.session.get(Customer, customer_id) is None:
            return NpsDecision(False, "unknown_customer")
        latest = NpsRepository(uow.session).latest_asked(customer_id=customer_id)
        last_asked = latest.asked_at if latest is not None else None
    if last_asked is not None and last_asked > moment - timedelta(days=rules.every_days):
        return NpsDecision(False, "asked_recently")
    if not sampled(customer_id, moment, rules):
        return NpsDecision(False, "not_sampled")
    return NpsDecision(True, "ask")


def mark_asked(
    uow: SessionUnitOfWork,
    *,
    customer_id: int | None,
    conversation_id: str | None = None,
    channel: str = "web",
    now: datetime | None = None,
    policy: NpsPolicy | None = None,
) -> NpsView | None:
    """Record the question if `should_ask` allows it now; None when it does not."""
    moment = now or utcnow()
    if not should_ask(uow, customer_id=customer_id, now=moment, policy=policy).ask:
        return None
    assert customer_id is not None
    with uow:
        survey = NpsResponse(
            customer_id=customer_id,
            conversation_id=clean_text(conversation_id, max_length=128),
            channel=clean_text(channel, max_length=32) or "web",
            asked_at=moment,
        )
        NpsRepository(uow.session).add(survey)
        uow.session.flush()
        view = _view(survey)
        uow.commit()
    return view


def valid_score(value: object) -> int | None:
    """0 to 10 as an int; bools, floats, strings and everything else are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in SCORES else None


def record_answer(
    uow: SessionUnitOfWork,
    *,
    customer_id: int | None,
    score: object,
    comment: object = None,
    now: datetime | None = None,
    policy: NpsPolicy | None = None,
    conversation_id: str | None = None,
) -> NpsView | None:
    """Store the answer to the customer's open question; None for a bad score or when
    they were not asked in the last N days (or already answered). With `conversation_id`
    (the chat's answers), only the question asked in that conversation is answered: it was
    asked after a rating, so the conversation was a real one, and another tab or session of
    the customer cannot answer for it."""
    moment, rules = now or utcnow(), policy or NpsPolicy.from_settings()
    value = valid_score(score)
    if value is None or customer_id is None or isinstance(customer_id, bool):
        return None
    with uow:
        survey = NpsRepository(uow.session).open_since(
            customer_id=customer_id, since=moment - timedelta(days=rules.every_days)
        )
        if survey is None:
            return None
        if conversation_id is not None and survey.conversation_id != conversation_id:
            return None
        survey.score = value
        survey.comment = clean_text(comment, max_length=MAX_COMMENT_LENGTH)
        survey.answered_at = moment
        view = _view(survey)
        uow.commit()
    return view


def _view(row: NpsResponse) -> NpsView:
    return NpsView(
        row.id,
        row.customer_id,
        row.conversation_id,
        row.score,
        row.comment,
        row.asked_at,
        row.answered_at,
    )
