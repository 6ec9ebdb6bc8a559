"""Verification by email and order number, guarded on the server.

Wrong pairs are counted per email, whether or not it has an account (the answer must not
tell), and per client. Past its allowance a key waits `lock_seconds`, twice as long after
each further failure, up to `max_lock_seconds`; failures are forgotten `forget_seconds`
after the last one. While either key waits, the pair is not even looked at, so a right
guess during a wait verifies nothing. A match is recorded for the conversation's current
Rasa session and client, and lasts `ttl_seconds`: it is never carried into a new session.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.services import customers, throttles
from bot.services.convert import customer_view
from bot.services.views import CustomerView
from bot.settings import Settings
from bot.store.models import ChatThrottle, VerifiedSession
from bot.store.unit_of_work import AbstractUnitOfWork

logger = logging.getLogger(__name__)

EMAIL_SCOPE, CLIENT_SCOPE = "verify_email", "verify_client"
MAX_DOUBLINGS = 30  # 2**30 times any lock is past any cap


@dataclass(frozen=True)
class VerificationPolicy:
    secret: str  # keys the stored hashes
    email_allowance: int
    client_allowance: int
    lock_seconds: int
    max_lock_seconds: int
    forget_seconds: int
    ttl_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> VerificationPolicy:
        return cls(
            secret=settings.token_secret,
            email_allowance=settings.verify_max_attempts,
            client_allowance=settings.verify_client_max_attempts,
            lock_seconds=settings.verify_lock_seconds,
            max_lock_seconds=settings.verify_max_lock_seconds,
            forget_seconds=settings.verify_forget_seconds,
            ttl_seconds=settings.verify_ttl_seconds,
        )

    def key(self, value: str) -> str:
        return throttles.hashed_key(value, secret=self.secret)


@dataclass(frozen=True)
class ChatSession:
    """Where a verification holds: one conversation, one Rasa session, one client."""

    conversation_id: str
    session_key: str
    client: str

    @property
    def stored_conversation(self) -> str:
        """The conversation id as the store's 128 characters can hold it, without clashes."""
        if len(self.conversation_id) <= 128:
            return self.conversation_id
        digest = hashlib.sha256(self.conversation_id.encode("utf-8", "replace"))
        return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class Outcome:
    customer: CustomerView | None = None
    # Set when the pair was refused unchecked, or when this failure started a wait.
    wait_until: datetime | None = None


def backoff_seconds(failures: int, *, allowance: int, policy: VerificationPolicy) -> int:
    """How long a key waits after its `failures`-th failure in a row (0: not at all)."""
    if failures < allowance:
        return 0
    doublings = min(failures - allowance, MAX_DOUBLINGS)
    return int(min(policy.max_lock_seconds, policy.lock_seconds * 2**doublings))


def client_wait(
    uow: AbstractUnitOfWork, *, client: str, now: datetime, policy: VerificationPolicy
) -> datetime | None:
    """Until when the client must wait before trying a pair, if it must."""
    with uow:
        row = uow.throttles.get(scope=CLIENT_SCOPE, key=policy.key(client))
        return throttles.waiting_until([row] if row else [], now)


def attempt(
    uow: AbstractUnitOfWork,
    *,
    email: str,
    order_number: str,
    where: ChatSession,
    now: datetime,
    policy: VerificationPolicy,
) -> Outcome:
    """Check the pair unless its email or the client must wait, and count a failure."""
    email_key = (EMAIL_SCOPE, policy.key(customers.normalise_email(email) or email.strip()))
    client_key = (CLIENT_SCOPE, policy.key(where.client))
    with uow:
        rows = uow.throttles.lock(keys=[email_key, client_key], now=now)
        waiting = throttles.waiting_until(rows.values(), now)
        if waiting is not None:
            return Outcome(wait_until=waiting)
        customer = customers.verify_customer(uow, email=email, order_number=order_number)
        if customer is None:
            waiting = _failed(rows[email_key], rows[client_key], now=now, policy=policy)
        else:
            _clear(rows[email_key])
            uow.verified_sessions.replace(_verified(customer, where, now=now, policy=policy))
        uow.commit()
    _purge(uow, now=now, policy=policy)
    return Outcome(customer=customer, wait_until=waiting)


def verified_customer(
    uow: AbstractUnitOfWork, *, where: ChatSession, now: datetime, policy: VerificationPolicy
) -> CustomerView | None:
    """The customer verified in this session, from this client, and not yet expired."""
    with uow:
        found = uow.verified_sessions.find(
            conversation_id=where.stored_conversation, session_key=where.session_key
        )
        if found is None or found.expires_at <= now:
            return None
        if found.client_key != policy.key(where.client):
            return None
        customer = uow.customers.get(customer_id=found.customer_id)
        return customer_view(customer) if customer is not None else None


def _purge(uow: AbstractUnitOfWork, *, now: datetime, policy: VerificationPolicy) -> None:
    """Housekeeping after an attempt: idle counters and expired verifications go."""
    scopes = [EMAIL_SCOPE, CLIENT_SCOPE]
    throttles.purge(uow, scopes=scopes, idle_seconds=policy.forget_seconds, now=now)
    try:
        with uow:
            uow.verified_sessions.purge(expired_before=now)
            uow.commit()
    except SQLAlchemyError:
        logger.warning("could not purge expired verifications", exc_info=True)


def _failed(
    email_row: ChatThrottle, client_row: ChatThrottle, *, now: datetime, policy: VerificationPolicy
) -> datetime | None:
    _count_failure(email_row, allowance=policy.email_allowance, now=now, policy=policy)
    _count_failure(client_row, allowance=policy.client_allowance, now=now, policy=policy)
    return throttles.waiting_until([email_row, client_row], now)


def _count_failure(
    row: ChatThrottle, *, allowance: int, now: datetime, policy: VerificationPolicy
) -> None:
    if row.last_at <= now - timedelta(seconds=policy.forget_seconds):
        row.count = 0
    row.count, row.last_at = row.count + 1, now
    wait = backoff_seconds(row.count, allowance=allowance, policy=policy)
    row.locked_until = now + timedelta(seconds=wait) if wait else None


def _clear(row: ChatThrottle) -> None:
    """The email's owner got in: their count starts again."""
    row.count, row.locked_until = 0, None


def _verified(
    customer: CustomerView, where: ChatSession, *, now: datetime, policy: VerificationPolicy
) -> VerifiedSession:
    return VerifiedSession(
        conversation_id=where.stored_conversation,
        session_key=where.session_key,
        customer_id=customer.id,
        client_key=policy.key(where.client),
        verified_at=now,
        expires_at=now + timedelta(seconds=policy.ttl_seconds),
    )
